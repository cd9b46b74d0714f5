using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// The one analysis of a worker of a run, kept across its reconnects: its alerts go to the worker's current
/// session, and an alert raised before (by this analysis, or by the one the service had before it restarted and
/// that this one replayed) is not raised again.
/// </summary>
internal sealed class WorkerAnalysis
{
    private readonly HashSet<string> _raised;
    private readonly Lock _gate = new();

    public WorkerAnalysis(IEnumerable<string> raisedBefore)
    {
        _raised = new HashSet<string>(raisedBefore, StringComparer.Ordinal);
    }

    public IStreamAnalysis? Analysis { get; set; }

    /// <summary>True while it is fed the worker's files rather than live batches.</summary>
    public bool Replaying { get; set; }

    /// <summary>The session its alerts are written to; the worker has at most one at a time.</summary>
    public StreamSession? Current { get; set; }

    /// <summary>Alerts raised during a replay that had not been raised before it (the service stopped in between).</summary>
    public int FoundOnReplay { get; set; }

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
}
