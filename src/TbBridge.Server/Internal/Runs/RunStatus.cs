using System.Collections.Concurrent;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Runs;

/// <summary>What the service knows of one run: its workers, connected streams, tags, last step and alerts.</summary>
internal sealed class RunStatus
{
    private readonly ConcurrentDictionary<string, byte> _tags = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _workers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<AlertSeverity, long> _alerts = new();
    private readonly ConcurrentDictionary<string, RunLiveness> _streams = new(StringComparer.Ordinal);
    private long _lastPointAtMs = long.MinValue;
    private long _lastStep = long.MinValue;
    private long _points;
    private int _activeStreams;

    public RunStatus(string project, string run)
    {
        Project = project;
        Run = run;
    }

    public string Project { get; }

    public string Run { get; }

    public bool IsActive => Volatile.Read(ref _activeStreams) > 0;

    /// <summary>Highest step seen since the service started; null before the first point.</summary>
    public long? LastStep => Interlocked.Read(ref _lastStep) is var s && s == long.MinValue ? null : s;

    public long Points => Interlocked.Read(ref _points);

    public IReadOnlyCollection<string> Tags => _tags.Keys.Order(StringComparer.Ordinal).ToArray();

    public IReadOnlyCollection<string> Workers => _workers.Keys.Order(StringComparer.Ordinal).ToArray();

    public IReadOnlyDictionary<AlertSeverity, long> AlertCounts => _alerts.ToDictionary();

    public long AlertCount => _alerts.Values.Sum();

    /// <summary>
    /// The run's state from its streams' since the service started: live if any stream is, else stalled if any
    /// connected one is, else disconnected if one ended without a clean close and has not come back, else finished.
    /// </summary>
    public RunLiveness Liveness
    {
        get
        {
            var states = _streams.Values.ToArray();
            return states.Contains(RunLiveness.Live) ? RunLiveness.Live
                : states.Contains(RunLiveness.Stalled) ? RunLiveness.Stalled
                : states.Contains(RunLiveness.Disconnected) ? RunLiveness.Disconnected
                : RunLiveness.Finished;
        }
    }

    /// <summary>When the service last received a point of this run (its clock); null before the first one since it started.</summary>
    public DateTimeOffset? LastPointAt => Interlocked.Read(ref _lastPointAtMs) is var ms && ms == long.MinValue ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public void SetStreamLiveness(string streamId, RunLiveness liveness) => _streams[streamId] = liveness;

    public void PointsArrived(DateTimeOffset at) => Interlocked.Exchange(ref _lastPointAtMs, at.ToUnixTimeMilliseconds());

    public void AddWorker(string worker) => _workers.TryAdd(worker, 0);

    public void StreamOpened() => Interlocked.Increment(ref _activeStreams);

    public void StreamClosed() => Interlocked.Decrement(ref _activeStreams);

    /// <summary>Tags listed for a run at most; a run with more (a tag per step, say) lists the first ones.</summary>
    public const int MaxListedTags = 10_000;

    /// <summary>Registers the tags that carried points, up to <see cref="MaxListedTags"/>.</summary>
    public void AddTags(IEnumerable<string> tags)
    {
        foreach (var tag in tags)
        {
            if (_tags.Count >= MaxListedTags)
            {
                return;
            }

            _tags.TryAdd(tag, 0);
        }
    }

    public void AddPoints(long points, long maxStep)
    {
        Interlocked.Add(ref _points, points);
        long current = Interlocked.Read(ref _lastStep);
        while (maxStep > current)
        {
            long seen = Interlocked.CompareExchange(ref _lastStep, maxStep, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }
    }

    public void SetAlertCounts(IReadOnlyDictionary<AlertSeverity, long> counts)
    {
        foreach (var (severity, count) in counts)
        {
            _alerts[severity] = count;
        }
    }

    public void AddAlert(AlertSeverity severity) => _alerts.AddOrUpdate(severity, 1, static (_, n) => n + 1);
}
