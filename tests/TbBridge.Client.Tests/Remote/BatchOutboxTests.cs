using Microsoft.Extensions.Logging.Abstractions;
using TbBridge.Protocol.V1;
using TbBridge.Remote.Internal;
using TbBridge.Testing;

namespace TbBridge.Client.Tests.Remote;

public sealed class BatchOutboxTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Add_NumbersFromOne_AndAnAckReleasesEverythingUpToIt()
    {
        var outbox = New(spool: null, maxMemoryBytes: 1 << 20);

        for (int i = 0; i < 3; i++)
        {
            Assert.True(outbox.Add(Batch(points: 10), points: 10));
        }

        Assert.Equal(3UL, outbox.LastSequence);
        Assert.Equal(1UL, outbox.NextAfter(0)!.Sequence);
        Assert.Equal(3UL, outbox.NextAfter(2)!.Sequence);
        Assert.Null(outbox.NextAfter(3));

        outbox.Acknowledge(2);

        Assert.Equal((1, 2UL, 20L), (outbox.Count, outbox.Acknowledged, outbox.AcknowledgedPoints));
        Assert.False(outbox.IsSettled(3));
        Assert.True(outbox.IsSettled(2));
    }

    [Fact]
    public void Add_MemoryFullAndNoSpool_DropsAndCountsTheBatch_AndTheNextBatchTakesItsSequence()
    {
        int size = Batch(points: 100).CalculateSize();
        var outbox = New(spool: null, maxMemoryBytes: size + (size / 2)); // room for one batch

        Assert.True(outbox.Add(Batch(points: 100), points: 100));
        Assert.False(outbox.Add(Batch(points: 100), points: 100));
        Assert.True(outbox.Add(Batch(points: 1), points: 1)); // small enough for what is left

        Assert.Equal((100L, 2, 2UL), (outbox.DroppedPoints, outbox.Count, outbox.LastSequence));
        Assert.Equal(2UL, outbox.NextAfter(1)!.Sequence); // the service takes only the next sequence: no hole
        Assert.Equal(1, outbox.NextAfter(1)!.Points);

        outbox.Acknowledge(2);
        Assert.Equal((101L, 0), (outbox.AcknowledgedPoints, outbox.Count));
    }

    [Fact]
    public void Add_MemoryFullWithASpool_KeepsTheBatchOnDiskOnly_AndLoadReadsItBack()
    {
        var (spool, _) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: 1 << 20);
        int size = Batch(points: 50).CalculateSize();
        var outbox = New(spool, maxMemoryBytes: size + 16);

        Assert.True(outbox.Add(Batch(points: 50), points: 50));
        Assert.True(outbox.Add(Batch(points: 50, firstStep: 1000), points: 50));

        var second = outbox.NextAfter(1)!;
        Assert.Null(second.Message);
        Assert.True(second.Spooled);
        var loaded = outbox.Load(second);
        Assert.Equal((2UL, 1000L, 50), (loaded.Sequence, loaded.Scalars.Step[0], loaded.Scalars.Step.Count));
        Assert.Equal(0L, outbox.DroppedPoints);
    }

    [Fact]
    public void Add_SpoolAndMemoryBothFull_DropsAndCounts()
    {
        int size = Batch(points: 100).CalculateSize();
        var (spool, _) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: size + 16); // the sequence adds a few bytes
        var outbox = New(spool, maxMemoryBytes: size + 16);

        Assert.True(outbox.Add(Batch(points: 100), points: 100));   // in both
        Assert.False(outbox.Add(Batch(points: 100), points: 100));  // in neither

        Assert.Equal((100L, 1), (outbox.DroppedPoints, outbox.Count));
        Assert.Single(Directory.GetFiles(spool.Directory, "*.batch"));
    }

    [Fact]
    public void RefuseOldest_DropsCountsAndUnspoolsOnlyTheOldestBatch_AndAnEmptyBatchKeepsItsSequence()
    {
        var (spool, _) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: 1 << 20);
        var outbox = New(spool, maxMemoryBytes: 1 << 20);
        outbox.Add(Batch(points: 7), points: 7);
        outbox.Add(Batch(points: 3), points: 3);

        outbox.RefuseOldest("tags[0]: too long");

        var first = outbox.NextAfter(0)!;
        Assert.Equal((7L, 2, 1UL, 0), (outbox.DroppedPoints, outbox.Count, first.Sequence, first.Points));
        var empty = outbox.Load(first);
        Assert.Equal((1UL, 0, 0), (empty.Sequence, empty.Tags.Count, empty.Scalars?.Step.Count ?? 0));
        Assert.Equal(2UL, outbox.NextAfter(1)!.Sequence);
        Assert.Single(Directory.GetFiles(spool.Directory, "*.batch"));

        outbox.RefuseOldest("again"); // an empty batch is never refused for its content: nothing more is counted
        Assert.Equal(7L, outbox.DroppedPoints);
        outbox.Acknowledge(2);
        Assert.Equal((3L, 0), (outbox.AcknowledgedPoints, outbox.Count));
    }

    [Fact]
    public void ASpoolWhoseRefusedBatchWasLostInACrash_FillsItsSequenceWithAnEmptyBatch()
    {
        {
            var (spool, _) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: 1 << 20);
            var outbox = New(spool, maxMemoryBytes: 1 << 20);
            for (int i = 0; i < 4; i++)
            {
                outbox.Add(Batch(points: 5, firstStep: i * 5), points: 5);
            }

            outbox.Acknowledge(1);
            outbox.RefuseOldest("refused"); // batch 2's file is gone; its empty place lived only in memory
        }

        var (again, replay) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: 1 << 20);
        Assert.Equal([3UL, 4], replay.Select(l => l.Sequence));
        var restored = New(again, replay, maxMemoryBytes: 1 << 20);
        restored.FillAfter(1); // the service holds 1

        Assert.Equal((2UL, 0), (restored.NextAfter(1)!.Sequence, restored.NextAfter(1)!.Points));
        Assert.Equal(3UL, restored.NextAfter(2)!.Sequence);
        Assert.Equal(3, restored.Count);
    }

    [Fact]
    public void ASpoolLeftByACrash_IsReplayedInOrderUnderTheSameStreamId_AndNumberingGoesOn()
    {
        string streamId;
        {
            var (spool, left) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: 1 << 20);
            Assert.Empty(left);
            streamId = spool.StreamId;
            var outbox = New(spool, maxMemoryBytes: 1 << 20);
            for (int i = 0; i < 4; i++)
            {
                outbox.Add(Batch(points: 5, firstStep: i * 5), points: 5);
            }

            outbox.Acknowledge(1); // the service held batch 1; the process dies before 2-4 are acked
        }

        var (again, replay) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: 1 << 20);
        var restored = New(again, replay, maxMemoryBytes: 1 << 20);

        Assert.Equal(streamId, again.StreamId);
        Assert.Equal([2UL, 3, 4], replay.Select(l => l.Sequence));
        Assert.Equal(3, restored.Count);
        Assert.Equal(5L, restored.Load(restored.NextAfter(0)!).Scalars.Step[0]); // batch 2 began at step 5
        restored.Add(Batch(points: 5), points: 5);
        Assert.Equal(5UL, restored.LastSequence);

        restored.Acknowledge(5);
        Assert.Empty(Directory.GetFiles(again.Directory, "*.batch"));
        Assert.Equal(20L, restored.AcknowledgedPoints);
    }

    [Fact]
    public void ASpoolWithATornBatchFile_DropsOnlyTheTornFile()
    {
        var (spool, _) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: 1 << 20);
        var outbox = New(spool, maxMemoryBytes: 1 << 20);
        outbox.Add(Batch(points: 5), points: 5);
        outbox.Add(Batch(points: 5), points: 5);
        string second = Directory.GetFiles(spool.Directory, "*.batch").Order(StringComparer.Ordinal).Last();
        byte[] bytes = File.ReadAllBytes(second);
        File.WriteAllBytes(second, bytes[..(bytes.Length / 2)]);

        var (_, left) = BatchSpool.Open(_folder.Path, "p", "r", "w", maxBytes: 1 << 20);

        Assert.Equal([1UL], left.Select(l => l.Sequence));
        Assert.False(File.Exists(second));
    }

    [Fact]
    public async Task Changed_CompletesAtTheNextAck()
    {
        var outbox = New(spool: null, maxMemoryBytes: 1 << 20);
        outbox.Add(Batch(points: 1), points: 1);
        var changed = outbox.Changed;
        Assert.False(changed.IsCompleted);

        outbox.Acknowledge(1);

        await changed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(outbox.Changed.IsCompleted); // armed again for the next one
    }

    private static BatchOutbox New(BatchSpool? spool, long maxMemoryBytes) => New(spool, [], maxMemoryBytes);

    private static BatchOutbox New(BatchSpool? spool, IReadOnlyList<(ulong, PointBatch, int)> left, long maxMemoryBytes) =>
        new("r", spool, left, maxMemoryBytes, NullLogger.Instance);

    private static PointBatch Batch(int points, long firstStep = 0)
    {
        var batch = new PointBatch { Scalars = new ScalarColumns() };
        batch.Tags.Add("train/loss");
        for (int i = 0; i < points; i++)
        {
            batch.Scalars.TagIndex.Add(0);
            batch.Scalars.Step.Add(firstStep + i);
            batch.Scalars.Value.Add(i * 0.5);
            batch.Scalars.WallTime.Add(1_795_000_000 + i);
        }

        return batch;
    }
}
