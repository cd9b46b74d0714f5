using Microsoft.Extensions.Logging;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Group commit: one loop flushes every dirty session, makes their files durable together (<see cref="ParallelFileSync"/>), records the resume
/// state of all of them in one SQLite transaction, and only then acks. While a commit runs, the next
/// one's data accumulates, so the fsync cost is shared by every batch that arrived meanwhile.
/// </summary>
internal sealed class GroupCommitter : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<StreamSession>> _sessions;
    private readonly IStreamStateStore _store;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _commitGate = new();
    private readonly ParallelFileSync _sync = new();
    private TaskCompletionSource _nextCycle = NewCycle();
    private int _signaled;
    private Task? _loop;

    public GroupCommitter(Func<IReadOnlyList<StreamSession>> sessions, IStreamStateStore store, ILogger logger)
    {
        _sessions = sessions;
        _store = store;
        _logger = logger;
    }

    public CommitStats Stats { get; } = new();

    /// <summary>Number of commit cycles run (for tests and the load test).</summary>
    public long Cycles { get; private set; }

    /// <summary>Starts the loop on a thread of its own: it blocks on the disk, and must not take a thread-pool thread to do it.</summary>
    public void Start() => _loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Asks for a commit soon; cheap and non-blocking.</summary>
    public void Notify()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>Completes after a commit cycle that started after this call (everything written before it is durable).</summary>
    public Task CommitAsync()
    {
        var cycle = Volatile.Read(ref _nextCycle).Task;
        Notify();
        return cycle;
    }

    /// <summary>Runs one cycle over the given sessions on the caller's thread (final commits on close and stop).</summary>
    public void CommitNow(IReadOnlyList<StreamSession> sessions) => Commit(sessions);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
        _signal.Dispose();
        _sync.Dispose();
    }

    private static TaskCompletionSource NewCycle() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Run()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _signal.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            Volatile.Write(ref _signaled, 0);
            var cycle = Interlocked.Exchange(ref _nextCycle, NewCycle());
            try
            {
                Commit(_sessions());
                cycle.TrySetResult();
            }
            catch (Exception ex)
            {
                Log.CommitFailed(_logger, ex);
                cycle.TrySetException(ex);
            }
        }

        Interlocked.Exchange(ref _nextCycle, NewCycle()).TrySetResult();
    }

    private void Commit(IReadOnlyList<StreamSession> sessions)
    {
        // One commit at a time: two overlapping commits could save an older state over a newer one.
        lock (_commitGate)
        {
            CommitLocked(sessions);
        }
    }

    private void CommitLocked(IReadOnlyList<StreamSession> sessions)
    {
        Cycles++;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var prepared = new List<PreparedCommit>(sessions.Count);
        foreach (var session in sessions)
        {
            try
            {
                if (session.PrepareCommit() is { } commit)
                {
                    prepared.Add(commit);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                Log.SessionCommitFailed(_logger, session.Identity.StreamId, ex);
                FailLocked(session, ex);
            }
        }

        if (prepared.Count == 0)
        {
            return;
        }

        var states = new List<StreamState>(prepared.Count);
        foreach (var p in prepared)
        {
            states.Add(new StreamState(p.Session.Identity, p.Sequence, p.Session.RelativeFile, p.FileLength, p.Session.Epoch) { Delta = p.Session.Progress?.Take() });
        }

        IReadOnlyCollection<StreamKey> fenced;
        bool synced = false;
        try
        {
            _sync.FlushAll(prepared.Select(p => p.SyncHandle).ToArray());
            synced = true;
            long syncedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            fenced = _store.SaveAll(states);
            long saved = System.Diagnostics.Stopwatch.GetTimestamp();
            Stats.Add(prepared.Count, syncedAt - started, saved - syncedAt);
            if (Stats.Cycles % 20 == 0)
            {
                Log.CommitStats(_logger, Stats.Cycles, Stats.AverageStreams, Stats.AverageSyncMs, Stats.AverageSaveMs);
            }
        }
        catch (Exception ex)
        {
            // Nothing of this cycle is acked: its streams end and their clients resume from the last saved state, and a
            // file that was not synced goes back to that state. One that was synced when the save failed: one service
            // cuts it back too; replicas leave the fsynced bytes and their commit markers, since the replica that claims
            // the stream next (perhaps already, unseen by this one, whose database does not answer) may take them as
            // proven and seal the file past them, and a cut here would lose what it counted on. The claim cuts whatever
            // it does not prove.
            long? keep = synced && _store.IsShared ? KeepWholeFile : null;
            foreach (var p in prepared)
            {
                FailLocked(p.Session, ex, keep);
            }

            throw;
        }

        if (fenced.Count > 0)
        {
            // Another replica claimed these streams since: their saves were refused in the same transaction, so they are
            // never acked here, and what this replica wrote beyond their acked length is cut (only it writes that file).
            foreach (var p in prepared.Where(p => fenced.Contains(p.Session.Identity.Key)))
            {
                Log.SessionCommitFailed(_logger, p.Session.Identity.StreamId, StreamFencing.Lost(p.Session.Identity));
                FailLocked(p.Session, StreamFencing.Lost(p.Session.Identity), SealedLength(p.Session));
            }

            prepared.RemoveAll(p => fenced.Contains(p.Session.Identity.Key));
            states.RemoveAll(s => fenced.Contains(s.Identity.Key));
        }

        StateSaved?.Invoke(states);
        foreach (var p in prepared)
        {
            p.Session.CompleteCommit(p.Sequence, p.FileLength);
        }
    }

    /// <summary>
    /// Ends a session whose storage failed and cuts its file back to the last durable offset. Under the commit lock,
    /// so no commit of it is between its fsync and its saved state (the cut would undo what that state says).
    /// </summary>
    public void Fail(StreamSession session, Exception error)
    {
        lock (_commitGate)
        {
            // With replicas, never below where another replica that took the stream sealed the file: a session fenced in
            // a commit (cut to that length there) is failed here again when it ends.
            FailLocked(session, error, _store.IsShared ? SealedLength(session) : null);
        }
    }

    /// <summary>Where the replica that took a lost stream sealed its file (it may have moved past this session's durable offset to the file's commit markers).</summary>
    private long? SealedLength(StreamSession session)
    {
        try
        {
            return _store.SealedLength(session.Identity.Key, session.RelativeFile);
        }
        catch (IOException)
        {
            return KeepWholeFile; // the database that just refused the save does not answer: the next claim cuts the file
        }
    }

    /// <summary>A rollback that cuts nothing (see the callers).</summary>
    private const long KeepWholeFile = long.MaxValue;

    private void FailLocked(StreamSession session, Exception error, long? sealedLength = null)
    {
        session.Fail(error);
        try
        {
            session.RollBack(sealedLength);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The stream's next open, or the next start, cuts it back again: what is beyond the durable offset is never read as acked.
            IngestLog.RollBackFailed(_logger, session.Identity.StreamId, session.RelativeFile, ex);
        }
    }

    /// <summary>Raised after each durable save, with the states saved (the engine's cache follows it).</summary>
    public event Action<IReadOnlyList<StreamState>>? StateSaved;
}
