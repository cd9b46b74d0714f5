using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Runs;

namespace TbBridge.Server.Internal.Liveness;

/// <summary>
/// Notices runs that go quiet, which only a server can: a connected stream silent for much longer than its usual
/// interval is <c>stalled</c> (it clears when points arrive again), and a stream whose call broke and that was not
/// resumed within the grace period is <c>disconnected</c>. It learns each stream's interval from when its batches
/// arrive, judges only streams whose newest points were recent by their own wall time when they arrived (a backfill of old files is
/// not a live job), and raises through the same <see cref="IAlertRouter"/> as the analysis. Checks run on a timer
/// of the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed partial class StreamLivenessMonitor : IStreamObserver, IHostedService, IDisposable
{
    private readonly IAlertRouter _router;
    private readonly RunRegistry _runs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lazy<IngestEngine> _engine; // lazily, since the engine reports to this monitor; asked to commit after an alert
    private readonly IStreamStateStore? _shared;
    private readonly StallRule _stall;
    private readonly TimeSpan _grace;
    private readonly Lock _gate = new();
    private readonly Dictionary<StreamKey, StreamWatch> _streams = [];
    private ITimer? _timer;

    /// <param name="options">Stall and disconnect settings.</param>
    /// <param name="router">Where its alerts go.</param>
    /// <param name="runs">The runs whose liveness it sets.</param>
    /// <param name="time">Its clock and timer.</param>
    /// <param name="engine">Asked to commit after an alert.</param>
    /// <param name="logger">Its log.</param>
    /// <param name="streams">The resume state; shared by replicas, it tells whether a broken stream was taken by another replica meanwhile.</param>
    public StreamLivenessMonitor(IOptions<TbBridgeServerOptions> options, IAlertRouter router, RunRegistry runs, TimeProvider time, Lazy<IngestEngine> engine, ILogger<StreamLivenessMonitor> logger, IStreamStateStore? streams = null)
    {
        _shared = streams is { IsShared: true } ? streams : null;
        _engine = engine;
        var o = options.Value;
        _stall = new StallRule(o.StallFactor, o.StallFloor, o.StallCeiling);
        _grace = o.DisconnectGrace;
        _router = router;
        _runs = runs;
        _time = time;
        _logger = logger;
        OrphanScanInterval = TimeSpan.FromTicks(Math.Max(o.ReplicaTimeout.Ticks / 5, TimeSpan.TicksPerSecond / 10));
        CheckInterval = TimeSpan.FromTicks(Math.Clamp(Math.Min(o.StallFloor.Ticks, o.DisconnectGrace.Ticks) / 20, TimeSpan.TicksPerSecond / 10, TimeSpan.TicksPerSecond * 15));
    }

    /// <summary>How often silences are judged: a twentieth of the shortest period that matters, within 0.1 to 15 s.</summary>
    public TimeSpan CheckInterval { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = _time.CreateTimer(_ => Check(), null, CheckInterval, CheckInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }

    public void Opened(StreamSession session)
    {
        lock (_gate)
        {
            var watch = Watch(session.Identity);
            watch.Session = session;
            watch.LastSession = session;
            watch.BrokenAt = null;
            watch.DisconnectRaised = false;
            SetLiveness(watch, watch.Stalled ? RunLiveness.Stalled : RunLiveness.Live);
        }
    }

    public void Received(StreamSession session, IngestBatch batch)
    {
        bool cleared;
        StreamWatch watch;
        lock (_gate)
        {
            watch = Watch(session.Identity);
            watch.Arrived(_time.GetTimestamp(), _time, batch, _stall.Ceiling);
            cleared = watch.Stalled;
            watch.Stalled = false;
            SetLiveness(watch, RunLiveness.Live);
        }

        _runs.GetOrAdd(session.Identity.Project, session.Identity.Run).PointsArrived(_time.GetUtcNow());
        if (cleared)
        {
            Log.StallCleared(_logger, session.Identity.StreamId, session.Identity.Project, session.Identity.Run);
        }
    }

    public void Closed(StreamSession session, StreamEnd end)
    {
        lock (_gate)
        {
            var watch = Watch(session.Identity);
            if (watch.Session != session)
            {
                return; // an old connection of a stream that was already resumed
            }

            watch.Session = null;
            watch.Stalled = false;
            watch.BrokenAt = end == StreamEnd.Broken ? _time.GetTimestamp() : null;
            SetLiveness(watch, end == StreamEnd.Broken ? RunLiveness.Disconnected : RunLiveness.Finished);
        }
    }

    /// <summary>Judges every stream now; the timer calls it, and so may a test after moving its clock.</summary>
    public void Check()
    {
        long now = _time.GetTimestamp();
        var raise = new List<(StreamSession Session, TbBridge.Analysis.Alert Alert)>();
        var disconnected = new List<StreamWatch>();
        lock (_gate)
        {
            foreach (var watch in _streams.Values)
            {
                if (watch.Session is { } session && !watch.Stalled && watch.LastArrival is { } last)
                {
                    var silence = _time.GetElapsedTime(last, now);
                    var threshold = _stall.Threshold(watch);
                    if (watch.Recent && silence > threshold) // a backfill of old points is no live job to judge
                    {
                        watch.Stalled = true;
                        SetLiveness(watch, RunLiveness.Stalled);
                        raise.Add((session, LivenessAlerts.Stalled(watch, silence, threshold)));
                    }
                }
                else if (watch.Session is null && watch.BrokenAt is { } broken && !watch.DisconnectRaised && _time.GetElapsedTime(broken, now) >= _grace)
                {
                    watch.DisconnectRaised = true;
                    var silence = watch.LastArrival is { } arrived ? _time.GetElapsedTime(arrived, now) : _time.GetElapsedTime(broken, now);
                    if (_shared is null)
                    {
                        raise.Add((watch.LastSession!, LivenessAlerts.Disconnected(watch, _grace, silence)));
                    }
                    else
                    {
                        disconnected.Add(watch); // asked below, outside the lock: did another replica take it meanwhile?
                    }
                }
            }
        }

        foreach (var watch in disconnected)
        {
            // Judged once, whoever holds the stream: one that moved to another replica within the grace is not disconnected
            // here, nor one whose judgement another replica took (it thought this one dead).
            var session = watch.LastSession!;
            bool moved;
            try
            {
                moved = !_shared!.TryJudge(session.Identity.Key, session.Epoch);
            }
            catch (IOException)
            {
                lock (_gate)
                {
                    watch.DisconnectRaised = false; // the shared state cannot tell now: judge again on the next check
                }

                continue;
            }

            if (!moved)
            {
                long now2 = _time.GetTimestamp();
                var silence = watch.LastArrival is { } arrived ? _time.GetElapsedTime(arrived, now2) : _time.GetElapsedTime(watch.BrokenAt ?? now2, now2);
                raise.Add((session, LivenessAlerts.Disconnected(watch, _grace, silence)));
            }
            else
            {
                lock (_gate)
                {
                    SetLiveness(watch, RunLiveness.Live);
                }
            }
        }

        // Outside the lock: routing writes the run's text entry, stores, publishes and calls webhooks.
        foreach (var (session, alert) in raise)
        {
            _router.Route(session, alert);
        }

        if (_shared is not null)
        {
            MarkStalled(raise.Where(r => r.Alert.Kind == TbBridge.Analysis.AlertKind.Stalled).Select(r => r.Session));
            JudgeOrphans(now);
        }

        if (raise.Count > 0)
        {
            // A stalled stream sends nothing that would trigger a commit: without one, the alert's text entry would
            // sit in its file's buffer for as long as the job hangs, out of TensorBoard's sight.
            _ = _engine.Value.CommitAsync();
        }
    }

    private StreamWatch Watch(StreamIdentity identity)
    {
        if (!_streams.TryGetValue(identity.Key, out var watch))
        {
            watch = new StreamWatch(identity);
            _streams.Add(identity.Key, watch);
        }

        return watch;
    }

    private void SetLiveness(StreamWatch watch, RunLiveness liveness) =>
        _runs.GetOrAdd(watch.Identity.Project, watch.Identity.Run).SetStreamLiveness(watch.Identity.StreamId, liveness);
}
