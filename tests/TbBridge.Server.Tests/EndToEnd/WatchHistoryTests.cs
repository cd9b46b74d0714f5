using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Tests.Infrastructure;
using Alert = TbBridge.Analysis.Alert;
using AlertSeverity = TbBridge.Analysis.AlertSeverity;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>Issue 19, item 4: Watch history in pages, and a bound on the history reads one key may have at once.</summary>
public sealed class WatchHistoryTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Watch_HistoryAcrossPageBoundariesWithAlertsRaisedDuringTheRead_EveryAlertOnceInOrder()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var hub = server.Services.GetRequiredService<AlertHub>();
        var expected = new List<long>();
        for (int i = 0; i < 1234; i++)
        {
            expected.Add(hub.Raise(new StreamIdentity("p", "r", "w", "h", "s"), NanAlert(i)).Id);
            if (i % 6 == 0)
            {
                hub.Raise(new StreamIdentity("q", "r", "w", "h", "s"), NanAlert(i)); // not watched
            }
        }

        using var watch = new AlertService.AlertServiceClient(server.Channel).Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = "p" } });
        await watch.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(30));
        int total = expected.Count + 300;
        var seen = new List<long>();
        Task? raising = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (seen.Count < total && await watch.ResponseStream.MoveNext(timeout.Token))
        {
            seen.Add(watch.ResponseStream.Current.Id);
            if (seen.Count == 10)
            {
                // While the history is read: raised above the watermark, these come live, after it.
                raising = Task.Run(() =>
                {
                    for (int i = 0; i < 300; i++)
                    {
                        long id = hub.Raise(new StreamIdentity("p", "r", "w", "h", "s"), NanAlert(10_000 + i)).Id;
                        lock (expected)
                        {
                            expected.Add(id);
                        }
                    }
                });
            }
        }

        await raising!;
        Assert.Equal(expected, seen); // every alert once, in id order, across the 500-alert pages and the live edge
    }

    [Fact]
    public async Task Watch_MoreHistoryReadsAtOnceThanTheKeyMay_OneMoreIsResourceExhaustedNewOnlyIsNotAndASlotFreesWhenOneEnds()
    {
        const int stored = 20_000; // megabytes of history: a watcher that does not read holds its read open
        using (var store = new AlertStore(Path.Combine(_data.Path, "tbbridge.db")))
        {
            for (int i = 1; i <= stored; i++)
            {
                store.Add(new AlertRecord(i, "p", "r", "w", "nan_inf", AlertSeverity.Critical, "train/loss", i, $"train/loss is NaN at step {i}", 1.0, ["train/loss"], "training", "Usual causes: ...", new Dictionary<string, double> { ["is_nan"] = 1 }));
            }
        }

        await using var server = await InProcessServer.StartAsync(_data.Path, "--TbBridge:MaxHistoryReadsPerKey=2");
        var client = new AlertService.AlertServiceClient(server.Channel);
        using var first = client.Watch(new WatchAlertsRequest());
        using var second = client.Watch(new WatchAlertsRequest());
        await first.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(30));
        await second.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(30));

        using var third = client.Watch(new WatchAlertsRequest());
        // Admitted, it would send its first past alert; refused, the call ends with the status.
        var refused = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("already has 2 Watch calls reading their history", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("TbBridge:MaxHistoryReadsPerKey", refused.Status.Detail, StringComparison.Ordinal);

        using var newOnly = client.Watch(new WatchAlertsRequest { NewOnly = true }); // reads no history: not counted
        await newOnly.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(30));

        first.Dispose(); // its read ends with the call: the slot is free again
        AsyncServerStreamingCall<TbBridge.Protocol.V1.Alert>? fourth = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                fourth?.Dispose();
                fourth = client.Watch(new WatchAlertsRequest());
                try
                {
                    return await fourth.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)) && fourth.ResponseStream.Current.Id == 1;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
                {
                    return false;
                }
            },
            "a history read is admitted once another ended",
            timeoutSeconds: 30);
        long count = 1, last = 1;
        while (count < stored && await fourth!.ResponseStream.MoveNext(CancellationToken.None))
        {
            Assert.Equal(last + 1, fourth.ResponseStream.Current.Id);
            last = fourth.ResponseStream.Current.Id;
            count++;
        }

        Assert.Equal(stored, count);
        fourth!.Dispose();
    }

    private static Alert NanAlert(long step) =>
        new("p/r", "nan_inf", AlertSeverity.Critical, step, "loss", ["loss"], "training", "NaN", "", new Dictionary<string, double>(), 1.0);
}
