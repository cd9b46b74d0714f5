using TbBridge.Remote;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

public sealed class RemoteSinkBoundsTests
{
    [Fact]
    public async Task WriteAsync_ServiceUnreachableAndMemoryFull_NeverWaitsAndCountsTheDrops()
    {
        var sink = RemoteSink.Create(new RemoteSinkOptions
        {
            Server = new Uri($"http://127.0.0.1:{ChildProcessServer.FreePort()}"), // nobody listens
            Project = "p",
            Run = "r",
            MaxBatchPoints = 1000,
            MaxBufferedBytes = 64 * 1024, // about three batches
            DrainTimeout = TimeSpan.FromMilliseconds(200),
            FlushTimeout = TimeSpan.FromHours(1),
        });
        var points = Enumerable.Range(0, 1000).Select(i => SummaryPoint.CreateScalar("", "loss", i, i, i)).ToArray();

        for (int b = 0; b < 50; b++)
        {
            var write = sink.WriteAsync(points, CancellationToken.None);
            Assert.True(write.IsCompleted); // the training side never waits on the network
        }

        // Not connected: returns instead of waiting (up to the hour-long flush timeout) for acks.
        await sink.FlushAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromMinutes(5));

        await sink.DisposeAsync();
        Assert.Equal(0, sink.AcknowledgedPoints);
        Assert.InRange(sink.DroppedPoints, 40_000, 49_000); // memory held only a few batches
    }

    [Fact]
    public async Task DisposeAsync_BatchesDroppedUnderATinyBudgetInAnOutage_EveryKeptPointOnDiskOnceAndTheDropCountExact()
    {
        using var data = new TempFolder();
        await using var server = await InProcessServer.StartAsync(data.Path);
        var up = new Uri(server.Address);
        var dead = new Uri($"http://127.0.0.1:{ChildProcessServer.FreePort()}"); // nobody listens
        int down = 0;
        await using var proxy = new TcpProxy(() => Volatile.Read(ref down) == 1 ? dead : up);
        var sink = RemoteSink.Create(new RemoteSinkOptions
        {
            Server = new Uri(proxy.Address),
            Project = "p",
            Run = "r",
            MaxBatchPoints = 1000,
            MaxBufferedBytes = 64 * 1024, // about three batches
            FlushTimeout = TimeSpan.FromMinutes(2),
            DrainTimeout = TimeSpan.FromMinutes(2),
        });
        long step = 0;

        for (int b = 1; b <= 5; b++)
        {
            await WriteAsync(1);
            await Eventually.HoldsAsync(() => sink.AcknowledgedPoints == b * 1_000, $"batch {b} was acknowledged");
        }

        Assert.Equal(0, sink.DroppedPoints);

        // The service goes away: the writer keeps about three batches and drops the rest, counting them.
        Volatile.Write(ref down, 1);
        proxy.CutAll();
        await Eventually.HoldsAsync(() => !sink.IsConnected, "the sink saw the outage");
        await WriteAsync(30);
        Assert.InRange(sink.DroppedPoints, 20_000, 29_000);

        // Back: what was kept goes through, and the batches sealed after the drops are numbered with no hole.
        Volatile.Write(ref down, 0);
        await Eventually.HoldsAsync(() => sink.IsConnected && sink.AcknowledgedPoints + sink.DroppedPoints == 35_000, "the kept batches were acknowledged");
        await WriteAsync(5);
        await sink.DisposeAsync();

        Assert.Equal(40_000, sink.AcknowledgedPoints + sink.DroppedPoints);
        var held = IndependentEvents.Scalars(data.Path, "p", "r");
        Assert.Equal(sink.AcknowledgedPoints, held.Count);
        Assert.Equal(held.Count, held.Select(s => s.Step).Distinct().Count()); // none twice
        Assert.Contains(held, s => s.Step >= 35_000); // batches sealed after the drops are there: numbered with no hole

        async Task WriteAsync(int batches)
        {
            for (int b = 0; b < batches; b++)
            {
                var points = Enumerable.Range(0, 1000).Select(_ => SummaryPoint.CreateScalar("", "loss", step, step, step++)).ToArray();
                await sink.WriteAsync(points, CancellationToken.None);
            }
        }
    }
}
