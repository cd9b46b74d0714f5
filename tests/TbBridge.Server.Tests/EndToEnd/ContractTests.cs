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
    public async Task Ingest_GapAfterBatchOne_IsRefusedNothingOfItWrittenAndTheStreamGoesOnWithTwo()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "other", "w0", "bystander");
        await using (var stream = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "gap"))
        {
            await stream.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.SendAsync(Batches.Numbered(3, 10)); // batch 2 never sent: an ack of 3 would cover it

            var refused = await stream.WaitForEndAsync();
            Assert.NotNull(refused);
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
            Assert.StartsWith("Batch 3 is not 2, the sequence this stream expects (1 is the last it holds); nothing was written.", refused.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(1UL, stream.Acked); // never an ack for 3
        }

        // Only batch 1 is on disk; the stream resumes at 1 and goes on with 2, then 3.
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), IndependentEvents.Scalars(_data.Path, "p", "r").Select(s => s.Step).Order());
        await using (var resumed = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "gap"))
        {
            Assert.Equal(1UL, resumed.Opened.LastSequence);
            await resumed.SendAsync(Batches.Numbered(2, 10));
            await resumed.SendAsync(Batches.Numbered(3, 10));
            Assert.True(await resumed.WaitAckAsync(3));
            await resumed.SendAsync(Batches.Numbered(3, 10)); // a repeat is refused the same way
            var repeat = await resumed.WaitForEndAsync();
            Assert.Equal(StatusCode.FailedPrecondition, repeat!.StatusCode);
            Assert.StartsWith("Batch 3 is not 4, the sequence this stream expects (3 is the last it holds)", repeat.Status.Detail, StringComparison.Ordinal);
        }

        await bystander.SendAsync(Batches.Numbered(1, 50));
        Assert.True(await bystander.WaitAckAsync(1));
        await bystander.CompleteAsync();

        // Exactly what was acked: batches 1, 2 and 3, once each, and the bystander untouched.
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), IndependentEvents.Scalars(_data.Path, "p", "r").Select(s => s.Step).Order());
        Assert.Equal(50, IndependentEvents.Scalars(_data.Path, "p", "other").Count);
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
    public async Task Ingest_SequenceAboveTwoToTheSixtyThreeMinusOne_IsInvalidAndNothingOfItIsWritten()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "huge");
        await stream.SendAsync(Batches.Scalars(1, ["x"], [(0, 1, 1.0, 1.0)]));
        Assert.True(await stream.WaitAckAsync(1));
        await stream.SendAsync(Batches.Scalars((ulong)long.MaxValue + 1, ["x"], [(0, 2, 2.0, 2.0)]));
        var refused = await stream.WaitForEndAsync();
        Assert.Equal(StatusCode.InvalidArgument, refused!.StatusCode);
        Assert.Contains("sequences run from 1 to 2^63-1", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1UL, stream.Acked);
        Assert.Equal([1L], IndependentEvents.Scalars(_data.Path, "p", "r").Select(s => s.Step));
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
