using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Cli.Commands;
using TbBridge.Cli.Commands.Follow;
using TbBridge.Protocol.V1;
using TbBridge.Remote.Internal;
using TbBridge.Testing;

namespace TbBridge.Cli.Tests;

public class FileFollowerTests
{
    [Fact]
    public async Task Run_ServiceNeverReachable_StatusCountsTheWholeGrowingFileAsUnread()
    {
        using var folder = new TempFolder();
        string path = folder.Combine("events.out.tfevents.1.host.1.0");
        await File.WriteAllBytesAsync(path, new byte[1000]);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ClosedPort()}");
        var settings = new FollowSettings(TimeSpan.FromMilliseconds(50), 64, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeProvider.System) { StateDirectory = folder.Combine("state") };
        var follower = new FileFollower(
            new UploadFile(path, "p", "r", "w", "s", "identity"),
            new IngestService.IngestServiceClient(channel),
            new Metadata(),
            settings,
            new ExponentialBackoffPolicy(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), new Random(1)));
        using var stop = new CancellationTokenSource();
        var run = follower.RunAsync(stop.Token, CancellationToken.None);

        await Until(() => follower.LastError is not null && follower.BytesBehind == 1000);
        await File.AppendAllTextAsync(path, new string('x', 500));
        await Until(() => follower.BytesBehind == 1500); // measured again while away, not frozen at the last connection's

        var line = FollowCommand.Line(FollowSnapshot.Of([follower]));
        Assert.Contains("+ 1,500 bytes unread", line, StringComparison.Ordinal);
        Assert.Contains("service away", line, StringComparison.Ordinal);
        await stop.CancelAsync();
        Assert.False(await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
