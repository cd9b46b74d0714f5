using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// What one webhook has still to deliver: at most <c>capacity</c> alerts, taken oldest first. When full, the oldest
/// alert of the lowest severity present goes (a new alert below every queued one goes itself), so critical alerts are
/// the last to go; each drop is counted. Offering never waits.
/// </summary>
internal sealed class WebhookOutbox
{
    private readonly Queue<WebhookItem>[] _bySeverity = [new(), new(), new()]; // Info, Warning, Critical
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private int _count;
    private long _dropped;
    private bool _completed;
    private TaskCompletionSource? _signal;

    public WebhookOutbox(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Capacity => _capacity;

    /// <summary>Alerts dropped because the outbox was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Queues <paramref name="item"/>; returns the alert dropped to make room (possibly <paramref name="item"/> itself), or null.</summary>
    public WebhookItem? Offer(WebhookItem item)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return null; // stopping: raised after the drain began, not delivered (and not a drop of a full queue)
            }

            WebhookItem? dropped = null;
            if (_count >= _capacity)
            {
                int lowest = Array.FindIndex(_bySeverity, q => q.Count > 0);
                if (lowest > Rank(item.Alert.Severity))
                {
                    Interlocked.Increment(ref _dropped);
                    return item;
                }

                dropped = _bySeverity[lowest].Dequeue();
                _count--;
                Interlocked.Increment(ref _dropped);
            }

            _bySeverity[Rank(item.Alert.Severity)].Enqueue(item);
            _count++;
            Wake();
            return dropped;
        }
    }

    /// <summary>The oldest alert queued (lowest id), waiting for one; null once completed and empty.</summary>
    public async ValueTask<WebhookItem?> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                Queue<WebhookItem>? oldest = null;
                foreach (var queue in _bySeverity)
                {
                    if (queue.Count > 0 && (oldest is null || queue.Peek().Alert.Id < oldest.Peek().Alert.Id))
                    {
                        oldest = queue;
                    }
                }

                if (oldest is not null)
                {
                    _count--;
                    return oldest.Dequeue();
                }

                if (_completed)
                {
                    return null;
                }

                _signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _signal.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>No more alerts: <see cref="TakeAsync"/> returns what is queued, then null.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Wake();
        }
    }

    private static int Rank(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => 2,
        AlertSeverity.Warning => 1,
        _ => 0,
    };

    private void Wake()
    {
        _signal?.TrySetResult();
        _signal = null;
    }
}
