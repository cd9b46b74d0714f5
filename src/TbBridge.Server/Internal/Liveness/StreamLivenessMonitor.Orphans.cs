using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Runs;

namespace TbBridge.Server.Internal.Liveness;

/// <summary>
/// Streams of replicas that died: nobody saw their calls break, so no replica's own watch judges them. Every live
/// replica asks the shared state now and then; each such stream is taken by one of them (one UPDATE … WHERE), which
/// raises <c>disconnected</c> after the grace unless the worker resumed on a replica meanwhile.
/// </summary>
internal sealed partial class StreamLivenessMonitor
{
    /// <summary>Taken, waiting for the grace; guarded by <see cref="_orphanGate"/>.</summary>
    private readonly List<(OrphanedStream Orphan, long TakenAt)> _orphans = [];
    private readonly Lock _orphanGate = new();
    private long? _lastOrphanScan;
    private int _judgingOrphans;

    /// <summary>How often a replica looks for streams of dead replicas: a fifth of the replica timeout, at least 0.1 s.</summary>
    public TimeSpan OrphanScanInterval { get; }

    /// <summary>Tells the shared run registry which streams stalled, so every replica shows them so.</summary>
    private void MarkStalled(IEnumerable<StreamSession> sessions)
    {
        try
        {
            foreach (var session in sessions)
            {
                _shared!.MarkStalled(session.Identity.Key, session.Epoch);
            }
        }
        catch (IOException ex)
        {
            LivenessLog.StallNotShared(_logger, ex); // the alert was raised; only other replicas' view of it waits
        }
    }

    private void JudgeOrphans(long now)
    {
        if (Interlocked.Exchange(ref _judgingOrphans, 1) == 1)
        {
            return; // a check that ran long is still at it
        }

        try
        {
            if (_lastOrphanScan is not { } last || _time.GetElapsedTime(last, now) >= OrphanScanInterval)
            {
                _lastOrphanScan = now;
                foreach (var orphan in _shared!.ClaimOrphans())
                {
                    LivenessLog.OrphanTaken(_logger, orphan.Identity.StreamId, orphan.Identity.Project, orphan.Identity.Run);
                    lock (_orphanGate)
                    {
                        _orphans.Add((orphan, now));
                    }
                }
            }

            (OrphanedStream Orphan, long TakenAt)[] due;
            lock (_orphanGate)
            {
                due = [.. _orphans.Where(o => _time.GetElapsedTime(o.TakenAt, now) >= _grace)];
            }

            foreach (var (orphan, takenAt) in due)
            {
                // Throws while the shared state is down: the orphan stays, and the next check asks again.
                bool raise = _shared!.ConfirmOrphan(orphan);
                lock (_orphanGate)
                {
                    _orphans.Remove((orphan, takenAt));
                }

                if (raise)
                {
                    var silence = TimeSpan.FromSeconds(orphan.SilentSeconds) + _time.GetElapsedTime(takenAt, now);
                    _router.RouteDetached(orphan.Identity, LivenessAlerts.Disconnected(orphan, _grace, silence));
                    _runs.GetOrAdd(orphan.Identity.Project, orphan.Identity.Run).SetStreamLiveness(orphan.Identity.StreamId, RunLiveness.Disconnected);
                }
            }
        }
        catch (IOException ex)
        {
            LivenessLog.OrphansNotJudged(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _judgingOrphans, 0);
        }
    }
}
