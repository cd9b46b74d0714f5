using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Analysis;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// A worker's analysis is rebuilt from its files only when the process does not hold it (a restart, a takeover), and
/// then in the background: a stream's open never waits for the replay, and the batches it sends meanwhile are analysed
/// after it, in order, with no alert raised twice.
/// </summary>
public sealed class AnalysisReplayTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Open_ReconnectToTheSameProcess_DoesNotReplayTheWorkersFiles()
    {
        var factory = new HeldReplayFactory(held: false);
        await using var server = await StartAsync(factory);
        ulong sequence = 0;
        await using (var stream = await IngestStream.OpenAsync(server.Channel, "p", "big", "rank0", "big-1"))
        {
            for (int b = 0; b < 20; b++)
            {
                await stream.SendAsync(Batches.Numbered(++sequence, 10_000));
            }

            Assert.True(await stream.WaitAckAsync(sequence)); // 200,000 points on disk; the connection then drops
        }

        // The same stream id again, then another stream id of the same worker: both find the worker's analysis in memory.
        foreach (string streamId in new[] { "big-1", "big-2" })
        {
            await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "big", "rank0", streamId);
            ulong next = streamId == "big-1" ? ++sequence : 1;
            await stream.SendAsync(Batches.Numbered(next, 1_000));
            Assert.True(await stream.WaitAckAsync(next));
        }

        Assert.Equal(0, server.Engine.AnalysisReplays);
        Assert.DoesNotContain(factory.Events, e => e.StartsWith("replay", StringComparison.Ordinal));
        Assert.Equal(22, factory.Events.Count(e => e.StartsWith("observe", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Open_AfterARestart_AnswersBeforeTheReplayEndsAndRaisesOldAndNewAlertsOnce()
    {
        await using (var first = await InProcessServer.StartAsync(_data.Path))
        {
            await using var stream = await IngestStream.OpenAsync(first.Channel, "p", "nan", "rank0", "nan-stream");
            // A held-out loss goes NaN at step 5 while the training loss stays finite: one alert, and no breakdown.
            await stream.SendAsync(Batches.Scalars(1, ["val/loss", "train/loss"], [(0, 5L, double.NaN, 1_700_000_000.0), .. Enumerable.Range(0, 20).Select(s => (1, (long)s, 1.0, 1_700_000_000.0 + s))]));
            Assert.True(await stream.WaitAckAsync(1));
            await Eventually.HoldsAsync(async () => (await NanAlertsAsync(first)).Count == 1, "the held-out loss's nan_inf alert");
        }

        var factory = new HeldReplayFactory(held: true);
        await using var restarted = await StartAsync(factory);
        // The open answers while the replay it started is held (it would wait here for as long as the replay took).
        await using (var stream = await IngestStream.OpenAsync(restarted.Channel, "p", "nan", "rank0", "nan-stream").WaitAsync(TimeSpan.FromSeconds(90)))
        {
            Assert.Equal(1UL, stream.Opened.LastSequence);
            await factory.ReplayStarted.Task.WaitAsync(TimeSpan.FromSeconds(90));

            // The open answered and the new batch is acked while the replay is held: it waits behind it.
            await stream.SendAsync(Batches.Scalars(2, ["train/loss"], Enumerable.Range(20, 20).Select(s => (0, (long)s, s < 30 ? 1.0 : double.NaN, 1_700_000_000.0 + s))));
            Assert.True(await stream.WaitAckAsync(2));
            Assert.DoesNotContain(factory.Events, e => e.StartsWith("replay ends", StringComparison.Ordinal) || e.StartsWith("observe", StringComparison.Ordinal));

            factory.Release.SetResult();
            await Eventually.HoldsAsync(async () => (await NanAlertsAsync(restarted)).Count == 2, "the new points' nan_inf alert");
            await stream.CompleteAsync();
        }

        Assert.Equal(["replay begins", "replay ends 21", "observe 2"], factory.Events);
        Assert.Equal(1, restarted.Engine.AnalysisReplays);
        var alerts = (await NanAlertsAsync(restarted)).Select(a => (a.Tag, a.Step)).Order().ToArray();
        Assert.Equal([("train/loss", 30L), ("val/loss", 5L)], alerts);
    }

    private Task<InProcessServer> StartAsync(HeldReplayFactory factory) =>
        InProcessServer.StartAsync(_data.Path, builder => builder.Services.AddSingleton<IStreamAnalysisFactory>(factory));

    private static async Task<IReadOnlyList<TbBridge.Protocol.V1.Alert>> NanAlertsAsync(InProcessServer server)
    {
        var client = new AlertService.AlertServiceClient(server.Channel);
        var reply = await client.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p", Kinds = { "nan_inf" } } });
        return reply.Alerts;
    }

    /// <summary>The service's own analysis, recording what it is fed, with its replays held until <see cref="Release"/>.</summary>
    private sealed class HeldReplayFactory(bool held) : IStreamAnalysisFactory
    {
        private readonly RunAnalyzerFactory _inner = new();

        public TaskCompletionSource Release { get; } = NewSignal(set: !held);

        public TaskCompletionSource ReplayStarted { get; } = NewSignal(set: false);

        public ConcurrentQueue<string> Events { get; } = new();

        public IStreamAnalysis Create(StreamIdentity stream, Action<TbBridge.Analysis.Alert> raise) => new Recording(this, _inner.Create(stream, raise));

        private static TaskCompletionSource NewSignal(bool set)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (set)
            {
                signal.SetResult();
            }

            return signal;
        }

        private sealed class Recording(HeldReplayFactory owner, IStreamAnalysis inner) : IStreamAnalysis
        {
            public void Observe(IngestBatch batch)
            {
                owner.Events.Enqueue($"observe {batch.Sequence}");
                inner.Observe(batch);
            }

            public long Replay(IReadOnlyList<(string File, long Length)> files, ICollection<string> serviceEntries, CancellationToken cancellationToken)
            {
                owner.Events.Enqueue("replay begins");
                owner.ReplayStarted.TrySetResult();
                owner.Release.Task.Wait(cancellationToken);
                long points = inner.Replay(files, serviceEntries, cancellationToken);
                owner.Events.Enqueue($"replay ends {points}");
                return points;
            }

            public void Complete() => inner.Complete();
        }
    }
}
