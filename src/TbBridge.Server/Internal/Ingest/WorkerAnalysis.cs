using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// The one analysis of a worker of a run, kept across its reconnects: its alerts go to the worker's current
/// session, and an alert raised before (by this analysis, or by the one the service had before it restarted and
/// that this one replayed) is not raised again.
/// </summary>
/// <remarks>
/// A new analysis replays the worker's files in the background (see <see cref="BeginCatchUp"/>): live batches that
/// arrive meanwhile wait in a queue and are fed after the replay, in the order they came, so the analysis sees the
/// worker's points in order and the stream's open never waits for the replay.
/// </remarks>
internal sealed class WorkerAnalysis
{
    /// <summary>Points that may wait behind a replay; beyond it the worker's stream waits (as it would for a slow disk).</summary>
    public const int MaxWaitingPoints = 1_000_000;

    private readonly HashSet<string> _raised;
    private readonly Lock _gate = new();
    private readonly Lock _feedGate = new();
    private readonly ManualResetEventSlim _room = new(initialState: true);
    private readonly List<Alert> _found = [];
    private Queue<IngestBatch>? _waiting;
    private long _waitingPoints;
    private Task _caughtUp = Task.CompletedTask;

    public WorkerAnalysis(StreamIdentity worker, IEnumerable<string> raisedBefore)
    {
        Worker = worker;
        _raised = new HashSet<string>(raisedBefore, StringComparer.Ordinal);
    }

    /// <summary>The stream that created it: the worker (project, run, worker) its alerts are about.</summary>
    public StreamIdentity Worker { get; }

    public IStreamAnalysis? Analysis { get; set; }

    /// <summary>True while it is fed the worker's files rather than live batches.</summary>
    public bool Replaying { get; set; }

    /// <summary>The session its alerts are written to; the worker has at most one at a time.</summary>
    public StreamSession? Current { get; set; }

    /// <summary>Alerts raised during a replay that had not been raised before it (the service stopped in between).</summary>
    public int FoundOnReplay { get; set; }

    /// <summary>Set when its replay was stopped (the service stops): it has not seen the worker's points, so its end-of-run checks do not run.</summary>
    public bool Incomplete { get; set; }

    /// <summary>Completes when the replay and the batches that waited behind it have been fed.</summary>
    public Task CaughtUp => Volatile.Read(ref _caughtUp);

    /// <summary>The key that tells two raisings of one alert apart: its rule, tag and step.</summary>
    public static string KeyOf(string kind, string tag, long step) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kind}\n{tag}\n{step}");

    /// <summary>Set when a session of the worker failed: the text of its last alerts may have been rolled back.</summary>
    public bool NeedsRestate { get; set; }

    /// <summary>True the first time an alert is seen: the caller routes it, or gives it back with <see cref="Release"/> if it could not.</summary>
    public bool TryClaim(Alert alert)
    {
        lock (_gate)
        {
            return _raised.Add(KeyOf(alert.Kind, alert.Tag, alert.Step));
        }
    }

    /// <summary>An alert that could not be routed: a later replay may raise it again.</summary>
    public void Release(Alert alert)
    {
        lock (_gate)
        {
            _raised.Remove(KeyOf(alert.Kind, alert.Tag, alert.Step));
        }
    }

    /// <summary>
    /// An alert the replay raised (claimed, not routed yet): it is routed once the replay has read the worker's files to
    /// their end, when it is known whether they already hold its text entry (the process died before it was stored).
    /// Called on the replay's own thread.
    /// </summary>
    public void Found(Alert alert) => _found.Add(alert);

    /// <summary>The alerts the replay raised, in the order it raised them; the list starts again empty.</summary>
    public IReadOnlyList<Alert> TakeFound()
    {
        Alert[] found = [.. _found];
        _found.Clear();
        return found;
    }

    /// <summary>
    /// From now on live batches wait until <paramref name="catchUp"/> (the replay, then <see cref="NextWaiting"/>
    /// until it gives null) has run; it runs in the background.
    /// </summary>
    public void BeginCatchUp(Action catchUp)
    {
        lock (_feedGate)
        {
            _waiting = new Queue<IngestBatch>();
        }

        Volatile.Write(ref _caughtUp, Task.Run(catchUp));
    }

    /// <summary>
    /// A live batch: analysed now, or queued behind the replay. With too many points queued the caller waits for
    /// room (until <paramref name="cancellationToken"/> fires); the batch is queued either way, never dropped.
    /// </summary>
    public void Feed(IngestBatch batch, CancellationToken cancellationToken)
    {
        lock (_feedGate)
        {
            if (_waiting is null)
            {
                Analysis!.Observe(batch);
                return;
            }

            _waiting.Enqueue(batch);
            _waitingPoints += batch.PointCount;
            if (_waitingPoints <= MaxWaitingPoints)
            {
                return;
            }

            _room.Reset();
        }

        try
        {
            _room.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The stream ends: its batch is queued, and is analysed in its turn.
        }
    }

    /// <summary>The next batch that waited behind the replay; null when none is left, and from then on live batches are analysed at once.</summary>
    public IngestBatch? NextWaiting()
    {
        lock (_feedGate)
        {
            if (_waiting is null || !_waiting.TryDequeue(out var next))
            {
                _waiting = null;
                _waitingPoints = 0;
                _room.Set();
                return null;
            }

            _waitingPoints -= next.PointCount;
            if (_waitingPoints <= MaxWaitingPoints)
            {
                _room.Set();
            }

            return next;
        }
    }
}
