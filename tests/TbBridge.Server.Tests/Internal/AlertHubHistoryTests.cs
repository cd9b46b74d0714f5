using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TbBridge.Analysis;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Tests.Internal;

/// <summary>Issue 19, item 4: a watcher's history is read in bounded pages, never whole, and still gives every alert once, in order.</summary>
public sealed class AlertHubHistoryTests : IDisposable
{
    private static readonly StreamIdentity InP = new("p", "r", "w", "h", "s");
    private static readonly StreamIdentity InQ = new("q", "r", "w", "h", "s");
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string DatabasePath => Path.Combine(_folder.Path, "tbbridge.db");

    [Fact]
    public async Task History_InPagesWhileWaitingAlertsGetStoredAndNewOnesAreRaised_EveryAlertOnceInOrderAndNoReadAbovePageSize()
    {
        const int pageSize = 5;
        var time = new FakeTimeProvider();
        var options = Options.Create(new TbBridgeServerOptions { WatchQueueCapacity = 1000 });
        using var store = new RecordingStore(new AlertStore(DatabasePath, busyTimeout: TimeSpan.FromSeconds(1)));
        await using var webhooks = new WebhookDispatcher(options, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
        using var hub = new AlertHub(store, webhooks, options, time, NullLogger<AlertHub>.Instance);
        var expected = new List<long>();
        for (int i = 0; i < 23; i++)
        {
            expected.Add(hub.Raise(InP, NanAlert(i)).Id);
            hub.Raise(InQ, NanAlert(i)); // another project's: filtered out, across every page
        }

        var watch = new AlertQuery("p", null, new HashSet<string>(), null);
        AlertSubscription watcher;
        using (var locker = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            locker.Open();
            using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
            }

            for (int i = 100; i < 104; i++)
            {
                expected.Add(hub.Raise(InP, NanAlert(i)).Id); // not stored yet: waiting for the retry
            }

            Assert.Equal(4, hub.Unstored);
            watcher = hub.Subscribe(watch, includeHistory: true);
        }

        using (watcher)
        {
            var history = new List<long>();
            var live = new List<long>();
            int pages = 0;
            foreach (var page in hub.History(watcher, pageSize))
            {
                history.AddRange(page.Select(a => a.Id));
                if (++pages == 1)
                {
                    time.Advance(TimeSpan.FromSeconds(30)); // the waiting alerts are stored now: read again from the store, kept once
                    Assert.Equal(0, hub.Unstored);
                    for (int i = 200; i < 210; i++)
                    {
                        live.Add(hub.Raise(InP, NanAlert(i)).Id); // above the watermark: live, never in the history
                    }
                }
            }

            var received = new List<long>();
            while (watcher.Alerts.TryRead(out var alert))
            {
                received.Add(alert.Id);
            }

            Assert.Equal(expected, history);
            Assert.Equal(live, received);
            Assert.True(pages >= expected.Count / pageSize, $"{pages} pages");
            Assert.All(store.Limits, limit => Assert.True(limit <= pageSize, $"a history read asked for {limit} alerts"));
        }
    }

    private static Alert NanAlert(long step) =>
        new("p/r", "nan_inf", AlertSeverity.Critical, step, "loss", ["loss"], "training", "NaN", "", new Dictionary<string, double>(), 1.0);

    /// <summary>The real store, noting how many alerts each read asked for.</summary>
    private sealed class RecordingStore(AlertStore inner) : IAlertStore
    {
        public List<int> Limits { get; } = [];

        public bool IsShared => inner.IsShared;

        public event Action<IReadOnlyList<AlertRecord>>? Published
        {
            add => inner.Published += value;
            remove => inner.Published -= value;
        }

        public long MaxId() => inner.MaxId();

        public long ReservedId() => inner.ReservedId();

        public void ReserveIds(long upTo) => inner.ReserveIds(upTo);

        public AlertRecord? Add(AlertRecord alert) => inner.Add(alert);

        public IReadOnlyList<AlertRecord> Query(AlertQuery query, long afterId, long upToId, int limit)
        {
            lock (Limits)
            {
                Limits.Add(limit);
            }

            return inner.Query(query, afterId, upToId, limit);
        }

        public IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run) => inner.CountByRun(project, run);

        public void Dispose() => inner.Dispose();
    }
}
