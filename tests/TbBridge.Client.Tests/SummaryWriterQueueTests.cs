using Microsoft.Extensions.Time.Testing;
using TbBridge.Client.Tests.Support;
using TbBridge.Testing;

namespace TbBridge.Client.Tests;

public class SummaryWriterQueueTests
{
    [Fact]
    public void ManyThreads_LoseNothing_AndKeepEachTagsStepOrder()
    {
        using var temp = new TempFolder();
        const int Threads = 8;
        const int PerThread = 20_000;
        var sink = new RecordingSink();
        using (var writer = new SummaryWriter(temp.Path, new SummaryWriterOptions { QueueCapacity = 256, Sinks = [sink] }))
        {
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
            {
                for (int step = 0; step < PerThread; step++)
                {
                    writer.AddScalar($"thread{t}", step, step);
                }
            });
        }

        var events = ReadBack.Runs(temp.Path)["."];
        for (int t = 0; t < Threads; t++)
        {
            var points = ReadBack.Scalars(events, $"thread{t}");
            Assert.Equal(PerThread, points.Count);
            for (int i = 0; i < PerThread; i++)
            {
                Assert.Equal((i, i), ((int)points[i].Step, (int)points[i].Value));
            }
        }

        Assert.Equal(Threads * PerThread, sink.Points.Count);
    }

    [Fact]
    public async Task FullQueue_Wait_BlocksTheCallerUntilTheSinkDrains_AndLosesNothing()
    {
        var gate = new SemaphoreSlim(0);
        var sink = new RecordingSink { Gate = gate };
        await using var writer = new SummaryWriter("unused", new SummaryWriterOptions { WriteEventFiles = false, Sinks = [sink], QueueCapacity = 4, FullQueuePolicy = FullQueuePolicy.Wait, FlushInterval = Timeout.InfiniteTimeSpan });

        writer.AddScalar("x", -1, 0);
        await sink.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var producer = Task.Run(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                writer.AddScalar("x", i, i);
            }
        });
        await Task.Delay(200);
        Assert.False(producer.IsCompleted); // the sink is stuck, the queue is full: the caller waits

        gate.Release();
        await producer.WaitAsync(TimeSpan.FromSeconds(30));
        await writer.FlushAsync();
        Assert.Equal(Enumerable.Range(-1, 101).Select(i => (double)i), sink.Points.Select(p => p.Value));
        Assert.Equal(0, writer.DroppedPoints);
    }

    [Fact]
    public async Task FullQueue_DropNewest_NeverBlocks_CountsDrops_AndLogsTheCounter()
    {
        var gate = new SemaphoreSlim(0);
        var sink = new RecordingSink { Gate = gate };
        var logs = new CapturingLoggerFactory();
        var writer = new SummaryWriter("unused", new SummaryWriterOptions { WriteEventFiles = false, Sinks = [sink], QueueCapacity = 4, FullQueuePolicy = FullQueuePolicy.DropNewest, FlushInterval = Timeout.InfiniteTimeSpan, LoggerFactory = logs });
        writer.AddScalar("x", -1, 0);
        await sink.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the loop now holds that point inside the stuck sink

        for (int i = 0; i < 100; i++)
        {
            writer.AddScalar("x", i, i); // never blocks: 4 fit in the queue, the rest are dropped
        }

        Assert.Equal(96, writer.DroppedPoints);
        long dropped = writer.DroppedPoints;
        gate.Release();
        await writer.DisposeAsync();

        var points = sink.Points;
        Assert.Equal(101 - dropped, points.Count(p => p.Tag == "x"));
        var counter = points.Where(p => p.Tag == SummaryWriter.DroppedPointsTag).ToList();
        Assert.NotEmpty(counter);
        Assert.Equal(dropped, counter[^1].Value);
        var warning = Assert.Single(logs.Entries, e => e.Id.Id == 4);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains("96 points dropped", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_DrainsEverythingQueued_AndClosesSinks()
    {
        using var temp = new TempFolder();
        var sink = new RecordingSink();
        var writer = new SummaryWriter(temp.Path, new SummaryWriterOptions { Sinks = [sink], FlushInterval = Timeout.InfiniteTimeSpan });
        for (int i = 0; i < 50_000; i++)
        {
            writer.AddScalar("x", i, i);
        }

        writer.Dispose();

        Assert.Equal(50_000, ReadBack.Scalars(ReadBack.Runs(temp.Path)["."], "x").Count);
        Assert.Equal(50_000, sink.Points.Count);
        Assert.True(sink.Disposed);
        Assert.Throws<ObjectDisposedException>(() => writer.AddScalar("x", 1, 1));
        writer.Dispose(); // idempotent
    }

    [Fact]
    public async Task Flush_MakesEverythingAddedBeforeItReadable_WhileTheWriterStaysOpen()
    {
        using var temp = new TempFolder();
        await using var writer = new SummaryWriter(temp.Path, new SummaryWriterOptions { FlushInterval = Timeout.InfiniteTimeSpan });
        for (int i = 0; i < 1000; i++)
        {
            writer.AddScalar("x", i, i);
        }

        await writer.FlushAsync();

        // Read raw bytes from disk with the writer still open: everything is there, framed and checked.
        Assert.Equal(1000, ReadBack.Scalars(ReadBack.Runs(temp.Path)["."], "x").Count);
        writer.AddScalar("x", 1000, 1000);
        writer.Flush();
        Assert.Equal(1001, ReadBack.Scalars(ReadBack.Runs(temp.Path)["."], "x").Count);
    }

    [Fact]
    public async Task FlushInterval_FlushesSinksOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider();
        var sink = new RecordingSink();
        await using var writer = new SummaryWriter("unused", new SummaryWriterOptions { WriteEventFiles = false, Sinks = [sink], TimeProvider = clock, FlushInterval = TimeSpan.FromSeconds(2) });
        writer.AddScalar("x", 1, 1);
        await writer.FlushAsync();
        int afterExplicit = sink.Flushes;

        writer.AddScalar("x", 2, 2);
        clock.Advance(TimeSpan.FromSeconds(2));
        for (int i = 0; i < 500 && sink.Flushes == afterExplicit; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(afterExplicit + 1, sink.Flushes);
        Assert.Equal(2, sink.Points.Count);
    }

    [Fact]
    public async Task FailingSink_DoesNotStopTheOthers_AndTheNextFlushReportsIt()
    {
        using var temp = new TempFolder();
        var bad = new RecordingSink { FailWrites = new InvalidOperationException("remote down") };
        var good = new RecordingSink();
        var logs = new CapturingLoggerFactory();
        await using var writer = new SummaryWriter(temp.Path, new SummaryWriterOptions { Sinks = [bad, good], LoggerFactory = logs });
        writer.AddScalar("x", 1, 1);

        var error = await Assert.ThrowsAsync<IOException>(async () => await writer.FlushAsync());
        Assert.Contains(logs.Entries, e => e.Id.Id == 1 && e.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.Contains("remote down", error.InnerException!.InnerException!.Message, StringComparison.Ordinal);

        bad.FailWrites = null;
        writer.AddScalar("x", 2, 2);
        await writer.FlushAsync(); // no failure since the previous flush
        Assert.Equal([1.0, 2.0], good.Points.Select(p => p.Value));
        Assert.Equal(2, ReadBack.Scalars(ReadBack.Runs(temp.Path)["."], "x").Count);
    }

    [Fact]
    public async Task FailingSink_ErrorsSurvivePeriodicFlushes_UntilAnExplicitFlushReportsThem()
    {
        var clock = new FakeTimeProvider();
        var bad = new RecordingSink { FailWrites = new InvalidOperationException("remote down") };
        await using var writer = new SummaryWriter("unused", new SummaryWriterOptions { WriteEventFiles = false, Sinks = [bad], TimeProvider = clock, FlushInterval = TimeSpan.FromSeconds(1) });
        writer.AddScalar("x", 1, 1);
        await bad.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        for (int i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1)); // periodic flushes pass in between
        }

        await Assert.ThrowsAsync<IOException>(async () => await writer.FlushAsync());
        await writer.FlushAsync(); // reported once; nothing was written since
    }

    [Fact]
    public async Task Sinks_ReceiveTransportNeutralPoints_OfEveryKind()
    {
        var sink = new RecordingSink();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using (var writer = new SummaryWriter("unused", new SummaryWriterOptions { WriteEventFiles = false, Sinks = [sink], TimeProvider = clock }))
        {
            writer.AddScalar("s", 1.5, 1);
            writer.AddScalars("g", new Dictionary<string, double> { ["a"] = 2 }, 2);
            writer.AddHistogram("h", [1f, float.NaN], 3);
            writer.AddText("t", "md", 4);
            writer.AddHparams(new Dictionary<string, HparamValue> { ["lr"] = 0.1 }, new Dictionary<string, double> { ["m"] = 0.5 }, "sess", 5);
        }

        var p = sink.Points;
        Assert.Equal(
            [(SummaryPointKind.Scalar, "", "s"), (SummaryPointKind.Scalar, "g_a", "g"), (SummaryPointKind.Histogram, "", "h"), (SummaryPointKind.Scalar, "", "h/nan_count"), (SummaryPointKind.Scalar, "", "h/inf_count"), (SummaryPointKind.Text, "", "t"), (SummaryPointKind.Hparams, "sess", HparamsData.ExperimentTag), (SummaryPointKind.Scalar, "sess", "m")],
            p.Select(x => (x.Kind, x.Run, x.Tag)));
        Assert.All(p, x => Assert.Equal(1767225600.0, x.WallTime));
        Assert.Equal(1, p[2].Histogram!.NanCount);
        Assert.Equal("md", p[5].Text);
        Assert.Equal(0.1, p[6].Hparams!.Hparams.Single().Value.Number);
        Assert.Equal(["m"], p[6].Hparams!.MetricTags);
    }
}
