using Microsoft.Extensions.Logging;
using TbBridge.Remote;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The client that never loses a point: the real <see cref="RemoteSink"/> against a real server that is
/// killed, restarted, cut off and absent, and afterwards every point is on disk exactly once.
/// </summary>
public sealed class RemoteSinkFaultTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly TempFolder _spool = new();

    public void Dispose()
    {
        _data.Dispose();
        _spool.Dispose();
    }

    [Fact]
    public async Task RemoteSink_ServerKilledAndRestartedMidStream_EveryPointOnDiskExactlyOnce()
    {
        int port = ChildProcessServer.FreePort();
        var server = await ChildProcessServer.StartAsync(_data.Path, port);
        try
        {
            var sink = RemoteSink.Create(Options(new Uri(server.Address)));
            const int batches = 60;
            const int perBatch = 500;
            for (int b = 0; b < batches; b++)
            {
                await sink.WriteAsync(Points(b, perBatch), CancellationToken.None);
                if (b % 5 == 4)
                {
                    await sink.FlushAsync(CancellationToken.None);
                }

                if (b == 20)
                {
                    server.Kill(); // a crash: whatever was not acked must come again, whatever was must not
                }

                if (b == 35)
                {
                    server.Dispose();
                    server = await ChildProcessServer.StartAsync(_data.Path, port);
                }
            }

            await sink.DisposeAsync();
            Assert.Equal(0, sink.DroppedPoints);
            Assert.Equal(batches * perBatch, sink.AcknowledgedPoints);
            server.Kill(); // acked means durable: a crash after the last ack loses nothing
        }
        finally
        {
            server.Dispose();
        }

        AssertExactlyOnce(batches: 60, perBatch: 500);
    }

    [Fact]
    public async Task RemoteSink_NetworkCutRepeatedly_EveryPointOnDiskExactlyOnce()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var proxy = new TcpProxy(new Uri(server.Address));
        var log = new RecordingLoggerFactory();
        var sink = RemoteSink.Create(Options(new Uri(proxy.Address), openTimeout: TimeSpan.FromSeconds(5), loggerFactory: log));
        for (int b = 0; b < 60; b++)
        {
            await sink.WriteAsync(Points(b, 500), CancellationToken.None);
            if (b % 10 == 9)
            {
                await sink.FlushAsync(CancellationToken.None);
                proxy.CutAll();
            }
        }

        await sink.DisposeAsync();
        Assert.True(proxy.Cuts >= 6);
        Assert.Equal(0, sink.DroppedPoints);
        Assert.True(sink.AcknowledgedPoints == 30_000, $"{sink.AcknowledgedPoints} of 30,000 points acked; the sink's log:{Environment.NewLine}{log}{Environment.NewLine}{proxy}");
        AssertExactlyOnce(batches: 60, perBatch: 500);
    }

    [Fact]
    public async Task RemoteSink_ServerAbsentThenProcessRestarted_ReplaysTheSpoolExactlyOnce()
    {
        int port = ChildProcessServer.FreePort();
        var nowhere = new Uri($"http://127.0.0.1:{port}");
        var first = RemoteSink.Create(Options(nowhere, drainTimeout: TimeSpan.FromMilliseconds(500)));
        for (int b = 0; b < 30; b++)
        {
            await first.WriteAsync(Points(b, 500), CancellationToken.None);
        }

        await first.FlushAsync(CancellationToken.None); // returns at once: nobody to ack
        await first.DisposeAsync(); // the process "ends" with everything in the spool
        Assert.Equal(0, first.AcknowledgedPoints);
        Assert.NotEmpty(Directory.GetFiles(_spool.Path, "*.batch", SearchOption.AllDirectories));

        using var server = await ChildProcessServer.StartAsync(_data.Path, port);
        var second = RemoteSink.Create(Options(nowhere)); // a new process, same worker and spool
        for (int b = 30; b < 40; b++)
        {
            await second.WriteAsync(Points(b, 500), CancellationToken.None);
        }

        await second.DisposeAsync();
        Assert.Equal(40 * 500, second.AcknowledgedPoints);
        Assert.Empty(Directory.GetFiles(_spool.Path, "*.batch", SearchOption.AllDirectories));
        AssertExactlyOnce(batches: 40, perBatch: 500);
    }

    [Fact]
    public async Task RemoteSink_ServiceNeverAnswersOpen_GivesUpAfterTheOpenTimeoutAndConnectsAgain()
    {
        var service = new StallOnceIngestService();
        await using var app = await StallOnceIngestService.StartAsync(service);
        var sink = RemoteSink.Create(Options(new Uri(app.Urls.First()), openTimeout: TimeSpan.FromMilliseconds(300)));
        await sink.WriteAsync(Points(0, 500), CancellationToken.None);

        await sink.DisposeAsync();
        Assert.Equal(500, sink.AcknowledgedPoints);
        Assert.Equal(500, service.Points);
        Assert.Equal(2, service.Calls);
        await service.FirstCallCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the stalled call was ended, not left open
    }

    private RemoteSinkOptions Options(Uri server, TimeSpan? drainTimeout = null, TimeSpan? openTimeout = null, ILoggerFactory? loggerFactory = null) => new()
    {
        LoggerFactory = loggerFactory,
        OpenTimeout = openTimeout ?? TimeSpan.FromSeconds(30),
        Server = server,
        Project = "faults",
        Run = "run1",
        Worker = "rank0",
        SpoolDirectory = _spool.Path,
        MaxBatchPoints = 1000,
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(500),
        FlushTimeout = TimeSpan.FromSeconds(2),
        DrainTimeout = drainTimeout ?? TimeSpan.FromSeconds(60),
    };

    private static SummaryPoint[] Points(int batch, int count) =>
        Enumerable.Range(0, count)
            .Select(i => SummaryPoint.CreateScalar("", $"m/{i % 5}", ((long)batch * count) + i, 1_700_000_000 + batch + (i * 1e-3), (batch * count) + i))
            .ToArray();

    private void AssertExactlyOnce(int batches, int perBatch)
    {
        var scalars = EventFiles.Scalars(_data.Path, "faults", "run1");
        var steps = scalars.Select(s => s.Step).ToArray();
        Assert.Equal(steps.Length, steps.Distinct().Count()); // nothing twice
        Assert.Equal(Enumerable.Range(0, batches * perBatch).Select(i => (long)i), steps.Order()); // nothing lost
        Assert.All(scalars, s => Assert.Equal((float)s.Step, (float)s.Value));
    }
}
