
namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Storing alerts, in id order, through a queue of those not stored yet. When the store fails (the database locked
/// by another process, a full disk, an I/O error) the failure is logged once and the queue is retried with
/// backoff (0.5 s doubling to 30 s) by a timer; alerts raised meanwhile join the queue without waiting on the
/// store, so detection never stalls or stops on it.
/// </summary>
internal sealed partial class AlertHub
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    /// <summary>Ids reserved in the store at a time, ahead of those handed out; renewed when half are used.</summary>
    private const int IdBlock = 100;

    /// <summary>
    /// The highest id reserved in the store (<see cref="IAlertStore.ReserveIds"/>): an alert's id is handed out to
    /// watchers and webhooks before the alert is stored, so a restart numbers after this, and an alert lost with the
    /// process (it waited for a failing store) never lends its id to another. Guarded by <see cref="_storeGate"/>.
    /// </summary>
    private long _reserved;

    /// <summary>Raised, not yet stored, oldest first; guarded by <see cref="_gate"/>.</summary>
    private readonly Queue<AlertRecord> _unstored = new();

    /// <summary>One writer to the store at a time, in id order.</summary>
    private readonly Lock _storeGate = new();
    private readonly ITimer _retry;

    /// <summary>Zero while the store works; otherwise the wait before the next retry. Guarded by <see cref="_storeGate"/>.</summary>
    private TimeSpan _backoff;

    /// <summary>Alerts raised and not yet stored (waiting for a retry).</summary>
    public int Unstored
    {
        get
        {
            lock (_gate)
            {
                return _unstored.Count;
            }
        }
    }

    /// <summary>The alerts of one worker of a run raised so far: those stored, then those still waiting for the store.</summary>
    public IReadOnlyList<AlertRecord> OfWorker(string project, string run, string worker)
    {
        AlertRecord[] waiting;
        lock (_gate)
        {
            waiting = [.. _unstored.Where(a => a.Project == project && a.Run == run && a.Worker == worker)];
        }

        // The worker is filtered by the store: a stream's open reads its own worker's alerts, not its whole run's.
        var stored = _store.Query(new AlertQuery(project, run, new HashSet<string>(), null) { Worker = worker }, 0, long.MaxValue, int.MaxValue);
        // Waiting alerts of a shared store have no id yet (0): they come last, each kept.
        return [.. stored.Concat(waiting).DistinctBy(a => a.Id == 0 ? (object)a : a.Id).OrderBy(a => a.Id == 0 ? long.MaxValue : a.Id)];
    }

    public void Dispose()
    {
        _retry.Dispose();
        Store(retrying: true);
        int lost = Unstored;
        if (lost > 0)
        {
            // Their ids stay reserved: the next start numbers after them.
            Log.AlertsNotStored(_logger, lost);
        }
        else if (!_store.IsShared)
        {
            // Every alert is stored: give back the ids reserved and not used, so the next start numbers on from the last.
            lock (_storeGate)
            {
                try
                {
                    _store.ReserveIds(Interlocked.Read(ref _lastId));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Log.AlertStoreFailed(_logger, Interlocked.Read(ref _lastId), 0, ex);
                }
            }
        }
    }

    /// <summary>Reserves the next block of ids once half of the last is handed out (caller holds <see cref="_storeGate"/>, or is the constructor).</summary>
    private void ReserveAhead()
    {
        long last = Interlocked.Read(ref _lastId);
        if (last + (IdBlock / 2) >= _reserved)
        {
            _store.ReserveIds(last + IdBlock);
            _reserved = last + IdBlock;
        }
    }

    /// <summary>Stores the waiting alerts in order; a raise while a retry is due leaves them to the retry.</summary>
    private void Store(bool retrying)
    {
        lock (_storeGate)
        {
            if (_backoff > TimeSpan.Zero && !retrying)
            {
                return;
            }

            int stored = 0;
            while (true)
            {
                AlertRecord? next;
                int waiting;
                lock (_gate)
                {
                    if (!_unstored.TryPeek(out next))
                    {
                        break;
                    }

                    waiting = _unstored.Count;
                }

                try
                {
                    if (!_store.IsShared)
                    {
                        ReserveAhead();
                    }

                    _store.Add(next);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    bool first = _backoff == TimeSpan.Zero;
                    _backoff = first ? FirstRetry : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, LastRetry.Ticks));
                    if (first)
                    {
                        Log.AlertStoreFailed(_logger, next.Id, waiting, ex);
                    }

                    _retry.Change(_backoff, Timeout.InfiniteTimeSpan);
                    return;
                }

                lock (_gate)
                {
                    _unstored.Dequeue();
                }

                stored++;
            }

            if (_backoff > TimeSpan.Zero)
            {
                _backoff = TimeSpan.Zero;
                Log.AlertStoreRecovered(_logger, stored);
            }
        }
    }
}
