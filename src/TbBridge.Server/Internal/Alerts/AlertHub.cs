using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Where every alert goes once raised: numbered, handed to each watcher's queue (first, so the watchers'
/// latency does not include the database), stored, logged, and queued for the webhooks. Numbering,
/// publishing and storing happen under one lock, which a new watcher also takes to read the history, so
/// a watcher sees every alert exactly once, old or new.
/// </summary>
internal sealed class AlertHub
{
    private readonly AlertStore _store;
    private readonly WebhookDispatcher _webhooks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _watchCapacity;
    private readonly Lock _gate = new();
    private AlertSubscription[] _subscribers = [];
    private long _lastId;

    public AlertHub(AlertStore store, WebhookDispatcher webhooks, IOptions<TbBridgeServerOptions> options, TimeProvider time, ILogger<AlertHub> logger)
    {
        _store = store;
        _webhooks = webhooks;
        _time = time;
        _logger = logger;
        _watchCapacity = options.Value.WatchQueueCapacity;
        _lastId = store.MaxId();
    }

    public AlertRecord Raise(StreamIdentity stream, Alert raised)
    {
        var alert = new AlertRecord(
            0, stream.Project, stream.Run, stream.Worker, raised.Kind, raised.Severity, raised.Tag, raised.Step, raised.Message,
            _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, raised.Tags, raised.Subject, raised.Hint, raised.Evidence);
        lock (_gate)
        {
            alert = alert with { Id = ++_lastId };
            foreach (var subscriber in _subscribers)
            {
                subscriber.Offer(alert);
            }

            _store.Add(alert);
        }

        Log.AlertRaised(_logger, alert.Id, alert.Kind, alert.Severity, alert.Project, alert.Run, alert.Worker, alert.Tag, alert.Step, alert.Message);
        _webhooks.Enqueue(alert);
        return alert;
    }

    /// <summary>Starts watching; with <paramref name="includeHistory"/> the subscription first holds every stored match.</summary>
    public AlertSubscription Subscribe(AlertQuery query, bool includeHistory)
    {
        var subscription = new AlertSubscription(query, _watchCapacity, Unsubscribe);
        lock (_gate)
        {
            if (includeHistory)
            {
                subscription.History = _store.Query(query, 0, long.MaxValue, int.MaxValue);
            }

            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    public IReadOnlyList<AlertRecord> List(AlertQuery query, long afterId, int limit) => _store.Query(query, afterId, long.MaxValue, limit);

    private void Unsubscribe(AlertSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = Array.FindAll(_subscribers, s => s != subscription);
        }
    }
}
