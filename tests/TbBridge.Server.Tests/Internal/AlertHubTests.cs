using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.Internal;

public sealed class AlertHubTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Raise_WatcherThatNeverReads_IsNotWaitedOnAndCountsWhatItMissed()
    {
        var options = Options.Create(new TbBridgeServerOptions { WatchQueueCapacity = 2 });
        using var store = new AlertStore(Path.Combine(_folder.Path, "tbbridge.db"));
        await using var webhooks = new WebhookDispatcher(options, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
        var hub = new AlertHub(store, webhooks, options, new FakeTimeProvider(), NullLogger<AlertHub>.Instance);
        var stream = new StreamIdentity("p", "r", "w", "h", "s");

        using var slow = hub.Subscribe(new AlertQuery(null, null, new HashSet<string>(), null), includeHistory: false);
        for (int i = 0; i < 10; i++)
        {
            hub.Raise(stream, new Alert("p/r", "nan_inf", AlertSeverity.Critical, i, "loss", ["loss"], "training", "NaN", "", new Dictionary<string, double>(), 1.0));
        }

        Assert.Equal(8, slow.Dropped); // two queued, eight missed, and no Raise ever waited
        Assert.Equal(10, hub.List(new AlertQuery(null, null, new HashSet<string>(), null), 0, 100).Count); // all stored

        using var late = hub.Subscribe(new AlertQuery("p", null, new HashSet<string> { "nan_inf" }, AlertSeverity.Warning), includeHistory: true);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), hub.History(late, pageSize: 3).SelectMany(page => page).Select(a => a.Id));
    }
}
