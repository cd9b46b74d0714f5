using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Alert = TbBridge.Analysis.Alert;
using AlertSeverity = TbBridge.Analysis.AlertSeverity;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>Watch's subscribed signal: once the response headers arrive, every alert raised after reaches the watcher.</summary>
public sealed class WatchSubscribedTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Watch_ResponseHeaders_ArriveOnceSubscribedSoAnAlertRaisedAfterIsSeenExactlyOnce(bool newOnly)
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander");
        await bystander.SendAsync(Batches.Numbered(1, 100));
        var hub = server.Services.GetRequiredService<AlertHub>();
        var earlier = hub.Raise(new StreamIdentity("p", "r", "w", "h", "s"), NanAlert(1));

        using var watch = new AlertService.AlertServiceClient(server.Channel).Watch(new WatchAlertsRequest { NewOnly = newOnly, Filter = new AlertFilter { Project = "p" } });
        // With no alert to send yet (new_only), nothing but the signal would ever make the headers come.
        await watch.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(30));
        var later = hub.Raise(new StreamIdentity("p", "r", "w", "h", "s"), NanAlert(2));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var expected = newOnly ? new[] { later.Id } : [earlier.Id, later.Id];
        var seen = new List<long>();
        while (seen.Count < expected.Length && await watch.ResponseStream.MoveNext(timeout.Token))
        {
            seen.Add(watch.ResponseStream.Current.Id);
        }

        Assert.Equal(expected, seen);
        await bystander.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await bystander.WaitAckAsync(2));
        await bystander.CompleteAsync();
        Assert.Null(bystander.Failure);
    }

    private static Alert NanAlert(long step) =>
        new("p/r", "nan_inf", AlertSeverity.Critical, step, "loss", ["loss"], "training", "NaN", "", new Dictionary<string, double>(), 1.0);
}
