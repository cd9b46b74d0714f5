using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Where every alert goes once raised: numbered, handed to each watcher's queue (first, so the watchers'
/// latency does not include the database), stored, logged, and queued for the webhooks. Numbering and
/// publishing happen under one short lock; a new watcher takes it only to note the last id so far (its
/// watermark) and join, then reads its history outside it: the stored alerts up to the watermark plus those
/// still waiting to be stored, while live ones above it reach its queue. So a watcher sees every alert exactly
/// once, and no watcher's history query holds up an alert. A store that fails is retried (AlertHub.Store.cs):
/// detection, watchers and webhooks go on meanwhile.
/// With a shared store (replicas on PostgreSQL) the store numbers alerts instead: a raised alert is stored first, and
/// every replica, this one included, publishes it to its watchers and webhooks when the store's feed tells of it, in
/// id order, once (<see cref="IAlertStore.Published"/>).
/// </summary>
internal sealed partial class AlertHub : IDisposable
{
    private readonly IAlertStore _store;
    private readonly WebhookDispatcher _webhooks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _watchCapacity;
    private readonly Lock _gate = new();
    private AlertSubscription[] _subscribers = [];
    private long _lastId;

    public AlertHub(IAlertStore store, WebhookDispatcher webhooks, IOptions<TbBridgeServerOptions> options, TimeProvider time, ILogger<AlertHub> logger)
    {
        _store = store;
        _webhooks = webhooks;
        _time = time;
        _logger = logger;
        _watchCapacity = options.Value.WatchQueueCapacity;
        _lastId = Math.Max(store.MaxId(), store.ReservedId());
        _reserved = _lastId;
        _retry = time.CreateTimer(_ => Store(retrying: true), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (!store.IsShared)
        {
            // Ahead of the first alert, while the store is most likely to work (see AlertHub.Store.cs).
            try
            {
                ReserveAhead();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.AlertStoreFailed(_logger, _lastId + 1, 0, ex);
            }
        }
        if (store.IsShared)
        {
            store.Published += Publish;
        }
    }

    /// <summary>Publishes an alert. Never throws for a store error: the alert waits to be stored and everything else goes on.</summary>
    public AlertRecord Raise(StreamIdentity stream, Alert raised)
    {
        var alert = new AlertRecord(
            0, stream.Project, stream.Run, stream.Worker, raised.Kind, raised.Severity, raised.Tag, raised.Step, raised.Message,
            _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, raised.Tags, raised.Subject, raised.Hint, raised.Evidence);
        if (_store.IsShared)
        {
            // Numbered and published once stored (Publish); until then it waits with id 0.
            lock (_gate)
            {
                _unstored.Enqueue(alert);
            }

            Store(retrying: false);
            Log.AlertRaised(_logger, alert.Id, alert.Kind, alert.Severity, alert.Project, alert.Run, alert.Worker, alert.Tag, alert.Step, alert.Message);
            return alert;
        }

        lock (_gate)
        {
            alert = alert with { Id = ++_lastId };
            foreach (var subscriber in _subscribers)
            {
                subscriber.Offer(alert);
            }

            _unstored.Enqueue(alert);
        }

        Store(retrying: false);
        Log.AlertRaised(_logger, alert.Id, alert.Kind, alert.Severity, alert.Project, alert.Run, alert.Worker, alert.Tag, alert.Step, alert.Message);
        _webhooks.Enqueue(alert);
        return alert;
    }

    /// <summary>
    /// Starts watching; with <paramref name="includeHistory"/> the alerts up to the subscription's watermark are then
    /// read, page by page, with <see cref="History"/>. Takes the lock only to note the watermark and join.
    /// </summary>
    public AlertSubscription Subscribe(AlertQuery query, bool includeHistory)
    {
        var subscription = new AlertSubscription(query, _watchCapacity, Unsubscribe);
        lock (_gate)
        {
            subscription.Watermark = _lastId;
            // Shared store: published only once stored, so nothing up to the watermark waits.
            subscription.Unstored = includeHistory && !_store.IsShared ? [.. _unstored.Where(query.Matches)] : [];
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>
    /// The subscription's history, oldest first, each alert once, in pages of at most <paramref name="pageSize"/> stored
    /// alerts (plus those that were waiting to be stored among them): one page in memory at a time, each read from the
    /// store on its own, outside every lock of the hub. Every alert up to the watermark is stored or was still waiting
    /// when the watermark was taken (one leaves the waiting queue only once it is stored), so the two together are
    /// complete; alerts raised meanwhile are above the watermark and come live.
    /// </summary>
    public IEnumerable<IReadOnlyList<AlertRecord>> History(AlertSubscription subscription, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var waiting = subscription.Unstored;
        int next = 0;
        long last = 0;
        while (true)
        {
            var stored = _store.Query(subscription.Query, last, subscription.Watermark, pageSize);
            bool more = stored.Count >= pageSize;
            long upTo = more ? stored[^1].Id : subscription.Watermark;
            var page = new List<AlertRecord>(stored.Count);
            int s = 0;
            while (s < stored.Count || (next < waiting.Count && waiting[next].Id <= upTo))
            {
                var alert = s < stored.Count && (next >= waiting.Count || waiting[next].Id > upTo || stored[s].Id <= waiting[next].Id)
                    ? stored[s++]
                    : waiting[next++];
                if (alert.Id > last)
                {
                    page.Add(alert);
                    last = alert.Id;
                }
            }

            if (page.Count > 0)
            {
                yield return page;
            }

            if (!more)
            {
                yield break;
            }
        }
    }

    public IReadOnlyList<AlertRecord> List(AlertQuery query, long afterId, int limit) => _store.Query(query, afterId, long.MaxValue, limit);

    /// <summary>Alerts a shared store tells of, in id order: to the watchers (each once) and to the webhooks (whose deliveries are claimed).</summary>
    private void Publish(IReadOnlyList<AlertRecord> stored)
    {
        var fresh = new List<AlertRecord>(stored.Count);
        lock (_gate)
        {
            foreach (var alert in stored)
            {
                if (alert.Id <= _lastId)
                {
                    continue;
                }

                _lastId = alert.Id;
                foreach (var subscriber in _subscribers)
                {
                    subscriber.Offer(alert);
                }

                fresh.Add(alert);
            }
        }

        foreach (var alert in fresh)
        {
            _webhooks.Enqueue(alert);
        }
    }

    private void Unsubscribe(AlertSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = Array.FindAll(_subscribers, s => s != subscription);
        }
    }
}
