using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TbBridge.Analysis;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Tests.Internal;

/// <summary>The hub with a real SQLite store that really fails (its database locked by another connection), and watchers that join while alerts are raised.</summary>
public sealed class AlertHubStoreFailureTests : IDisposable
{
    private static readonly AlertQuery Everything = new(null, null, new HashSet<string>(), null);
    private static readonly StreamIdentity Stream = new("p", "r", "w", "h", "s");
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string DatabasePath => Path.Combine(_folder.Path, "tbbridge.db");

    [Fact]
    public async Task Raise_StoreLockedByAnotherConnection_WatchersGetItRaiseGoesOnAndItIsStoredInOrderOnceTheLockGoes()
    {
        var time = new FakeTimeProvider();
        var options = Options.Create(new TbBridgeServerOptions());
        using var store = new AlertStore(DatabasePath, busyTimeout: TimeSpan.FromSeconds(1));
        await using var webhooks = new WebhookDispatcher(options, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
        using var hub = new AlertHub(store, webhooks, options, time, NullLogger<AlertHub>.Instance);
        using var watcher = hub.Subscribe(Everything, includeHistory: false);

        using (var locker = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            locker.Open();
            using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                begin.ExecuteNonQuery();
            }

            var first = hub.Raise(Stream, NanAlert(10)); // waits for the lock once, fails, and queues
            var second = hub.Raise(Stream, NanAlert(20)); // queued behind it without waiting

            Assert.Equal([1L, 2L], [first.Id, second.Id]);
            Assert.Equal(2, hub.Unstored);
            Assert.True(watcher.Alerts.TryRead(out var live1));
            Assert.True(watcher.Alerts.TryRead(out var live2));
            Assert.Equal([1L, 2L], [live1.Id, live2.Id]);
            using var late = hub.Subscribe(Everything, includeHistory: true); // its history has what is not stored yet
            Assert.Equal([1L, 2L], hub.History(late, pageSize: 1).SelectMany(page => page).Select(a => a.Id));

            time.Advance(TimeSpan.FromSeconds(1)); // a retry while the lock is still held fails again
            Assert.Equal(2, hub.Unstored);
        } // the other connection goes, and its lock with it

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, hub.Unstored);
        var third = hub.Raise(Stream, NanAlert(30));
        Assert.Equal([1L, 2L, 3L], hub.List(Everything, 0, 100).Select(a => a.Id));
        Assert.Equal([10L, 20L, 30L], hub.List(Everything, 0, 100).Select(a => a.Step));
        Assert.Equal(3, third.Id);
    }

    [Fact]
    public async Task Raise_AfterTheProcessDiedWithAnAlertWaitingForTheStore_NeverGivesItsIdToAnother()
    {
        var options = Options.Create(new TbBridgeServerOptions());
        var seen = new List<long>();
        {
            // The first process: one alert stored, then one that waits for a locked store when the process dies.
            using var store = new AlertStore(DatabasePath, busyTimeout: TimeSpan.FromMilliseconds(200));
            await using var webhooks = new WebhookDispatcher(options, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
            var hub = new AlertHub(store, webhooks, options, new FakeTimeProvider(), NullLogger<AlertHub>.Instance);
            using var watcher = hub.Subscribe(Everything, includeHistory: false);
            hub.Raise(Stream, NanAlert(10));
            using var locker = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            locker.Open();
            using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                begin.ExecuteNonQuery();
            }

            hub.Raise(Stream, NanAlert(20));
            Assert.Equal(1, hub.Unstored);
            while (watcher.Alerts.TryRead(out var alert))
            {
                seen.Add(alert.Id);
            }

            // The process dies here: the hub is never disposed, and the waiting alert is never stored.
        }

        Assert.Equal([1L, 2L], seen);
        using var restartedStore = new AlertStore(DatabasePath);
        await using var restartedWebhooks = new WebhookDispatcher(options, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
        using var restarted = new AlertHub(restartedStore, restartedWebhooks, options, TimeProvider.System, NullLogger<AlertHub>.Instance);
        var next = restarted.Raise(Stream, NanAlert(30));

        // A watcher that skips the ids it has seen gets the new alert: its id was never handed out before.
        Assert.DoesNotContain(next.Id, seen);
        Assert.True(next.Id > seen.Max());
        Assert.Equal([(1L, 10L), (next.Id, 30L)], restarted.List(Everything, 0, 100).Select(a => (a.Id, a.Step)));
    }

    [Fact]
    public async Task Raise_AfterACleanStop_NumbersOnFromTheLastId()
    {
        var options = Options.Create(new TbBridgeServerOptions());
        for (int start = 0; start < 2; start++)
        {
            using var store = new AlertStore(DatabasePath);
            await using var webhooks = new WebhookDispatcher(options, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
            using var hub = new AlertHub(store, webhooks, options, TimeProvider.System, NullLogger<AlertHub>.Instance);
            for (int i = 0; i < 3; i++)
            {
                hub.Raise(Stream, NanAlert((start * 3) + i));
            }
        }

        using var reopened = new AlertStore(DatabasePath);
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], reopened.Query(Everything, 0, long.MaxValue, 100).Select(a => a.Id));
        Assert.Equal(6, reopened.ReservedId());
    }

    [Fact]
    public async Task Subscribe_WhileAlertsAreRaised_EachWatcherSeesEveryLaterAlertExactlyOnceInOrder()
    {
        const int count = 3000;
        var options = Options.Create(new TbBridgeServerOptions { WatchQueueCapacity = count });
        using var store = new AlertStore(DatabasePath);
        await using var webhooks = new WebhookDispatcher(options, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
        using var hub = new AlertHub(store, webhooks, options, TimeProvider.System, NullLogger<AlertHub>.Instance);

        var raising = Task.Run(() =>
        {
            for (int i = 0; i < count; i++)
            {
                hub.Raise(Stream, NanAlert(i));
            }
        });
        var watchers = new List<AlertSubscription>();
        while (!raising.IsCompleted)
        {
            watchers.Add(hub.Subscribe(Everything, includeHistory: true));
            await Task.Delay(5);
        }

        await raising;
        Assert.True(watchers.Count > 1);
        foreach (var watcher in watchers)
        {
            var seen = hub.History(watcher, pageSize: 100).SelectMany(page => page).Select(a => a.Id).ToList();
            while (watcher.Alerts.TryRead(out var alert))
            {
                seen.Add(alert.Id);
            }

            Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), seen);
            watcher.Dispose();
        }
    }

    private static Alert NanAlert(long step) =>
        new("p/r", "nan_inf", AlertSeverity.Critical, step, "loss", ["loss"], "training", "NaN", "", new Dictionary<string, double>(), 1.0);
}
