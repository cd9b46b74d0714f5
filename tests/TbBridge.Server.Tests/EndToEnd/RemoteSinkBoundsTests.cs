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
}
