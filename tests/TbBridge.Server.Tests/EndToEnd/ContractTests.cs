using Grpc.Core;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The sequence contract (docs/server.md, "Sequences"): an ack covers only what is durable, and every batch that
/// could not be written as the client meant it is refused before anything is acknowledged.
/// </summary>
public sealed class ContractTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_SequenceBelowTheLastWritten_IsRefusedAndNothingAckedIsLost()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "other", "w0", "bystander");
        await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "out-of-order");
        await stream.SendAsync(Batches.Numbered(1, 100));
        await stream.SendAsync(Batches.Numbered(3, 100));
        Assert.True(await stream.WaitAckAsync(3));
        await stream.SendAsync(Batches.Numbered(2, 100)); // the old service acked this one and never wrote it

        var refused = await stream.WaitForEndAsync();
        Assert.NotNull(refused);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.StartsWith("Batch 2 is not above 3, the last sequence this stream holds; nothing was written.", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(3UL, stream.Acked); // never an ack for 2

        await bystander.SendAsync(Batches.Numbered(1, 50));
        Assert.True(await bystander.WaitAckAsync(1));
        await bystander.CompleteAsync();

        // Exactly what was acked: batches 1 and 3, once each.
        var steps = EventFiles.Scalars(_data.Path, "p", "r").Select(s => s.Step).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 100).Concat(Enumerable.Range(200, 100)).Select(i => (long)i), steps);
        Assert.Equal(50, EventFiles.Scalars(_data.Path, "p", "other").Count);
    }

    [Fact]
    public async Task Ingest_RestartedClientNumberingFromOneAgain_IsRefusedBeforeAnyAck()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using (var first = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "renumbered"))
        {
            for (ulong seq = 1; seq <= 8; seq++)
            {
                await first.SendAsync(Batches.Numbered(seq, 10));
            }

            Assert.True(await first.WaitAckAsync(8));
            await first.CompleteAsync();
        }

        // A client that lost its state and numbers from 1 again: the service holds 8, so 1 is not new data it can place.
        await using var again = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "renumbered");
        Assert.Equal(8UL, again.Opened.LastSequence);
        await again.SendAsync(Batches.Scalars(1, ["fresh"], [(0, 1000, 1.0, 1.0)]));
        var refused = await again.WaitForEndAsync();
        Assert.Equal(StatusCode.FailedPrecondition, refused!.StatusCode);
        Assert.Equal(8UL, again.Acked);

        var held = EventFiles.Scalars(_data.Path, "p", "r");
        Assert.Equal(80, held.Count);
        Assert.DoesNotContain(held, s => s.Tag == "fresh");
    }

    [Fact]
    public async Task Ingest_SequenceAboveTwoToTheSixtyThreeMinusOne_IsInvalidAndTheLargestValidOneSurvivesARestart()
    {
        const ulong Largest = long.MaxValue;
        await using (var server = await InProcessServer.StartAsync(_data.Path))
        {
            await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "huge");
            await stream.SendAsync(Batches.Scalars(Largest - 1, ["x"], [(0, 1, 1.0, 1.0)]));
            await stream.SendAsync(Batches.Scalars(Largest, ["x"], [(0, 2, 2.0, 2.0)]));
            Assert.True(await stream.WaitAckAsync(Largest));
            await stream.SendAsync(Batches.Scalars(Largest + 1, ["x"], [(0, 3, 3.0, 3.0)]));
            var refused = await stream.WaitForEndAsync();
            Assert.Equal(StatusCode.InvalidArgument, refused!.StatusCode);
            Assert.Contains("sequences run from 1 to 2^63-1", refused.Status.Detail, StringComparison.Ordinal);
        }

        await using (var restarted = await InProcessServer.StartAsync(_data.Path))
        {
            await using var resumed = await IngestStream.OpenAsync(restarted.Channel, "p", "r", "w0", "huge");
            Assert.Equal(Largest, resumed.Opened.LastSequence); // the old service cut this back at restart
            await resumed.CompleteAsync();
        }

        Assert.Equal([1L, 2L], EventFiles.Scalars(_data.Path, "p", "r").Select(s => s.Step).Order());
    }

    [Fact]
    public async Task Ingest_SecondWriterOnALiveStreamId_IsAbortedAndTheFirstLosesNothing()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var first = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "shared");
        await first.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await first.WaitAckAsync(1));

        var second = await Assert.ThrowsAsync<RpcException>(() => IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "shared", retryBusy: false));
        Assert.Equal(StatusCode.Aborted, second.StatusCode);
        Assert.StartsWith("Stream 'shared' is live on another connection.", second.Status.Detail, StringComparison.Ordinal);

        var sameWorker = await Assert.ThrowsAsync<RpcException>(() => IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "another-id", retryBusy: false));
        Assert.Equal(StatusCode.Aborted, sameWorker.StatusCode);
        Assert.Contains("Worker 'w0' of run 'r' is streaming on another connection", sameWorker.Status.Detail, StringComparison.Ordinal);

        // The first writer never noticed: it goes on, and every batch it was acked for is there once.
        for (ulong seq = 2; seq <= 5; seq++)
        {
            await first.SendAsync(Batches.Numbered(seq, 100));
        }

        Assert.True(await first.WaitAckAsync(5));
        await first.CompleteAsync();
        Assert.Null(first.Failure);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), EventFiles.Scalars(_data.Path, "p", "r").Select(s => s.Step).Order());
    }
}
