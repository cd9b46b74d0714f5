using TbBridge.Analysis;

namespace TbBridge.TorchSharp.Internal;

/// <summary>
/// The stop decision of a <see cref="TrainingWatchdog"/>, taken on the training thread: an analyser of the writer's own
/// run fed synchronously by <see cref="TrainingMonitor"/> with the points it logs (its scalars and its on-device
/// histograms, in the order it logs them), so the step whose points raise a critical alert is the step that stops.
/// The alerts people read still come from the watchdog's sink side, which sees every point in the writer's order.
/// </summary>
/// <remarks>
/// The same engine and options as the sink side, over a subset of the same points: the critical rules (non-finite
/// training signals, divergence of the training loss) read only what the monitor logs, so both sides raise the same
/// critical alert at the same step. Used from the training thread; the lock only guards two monitors sharing a watchdog.
/// </remarks>
internal sealed class StopProbe
{
    private readonly Lock _gate = new();
    private readonly RunAnalyzer _analyzer;

    /// <summary>An analyser of the run <paramref name="run"/> that hands each critical alert to <paramref name="onCritical"/>.</summary>
    public StopProbe(string run, AnalysisOptions options, Action<Alert> onCritical)
    {
        _analyzer = new RunAnalyzer(run, options);
        _analyzer.AlertRaised += alert =>
        {
            if (alert.Severity == AlertSeverity.Critical)
            {
                onCritical(alert);
            }
        };
    }

    public void ObserveScalar(string tag, long step, double wallTime, double value)
    {
        lock (_gate)
        {
            _analyzer.ObserveScalar(tag, step, wallTime, value);
        }
    }

    public void ObserveHistogram(string tag, long step, double wallTime, HistogramData histogram)
    {
        lock (_gate)
        {
            _analyzer.ObserveHistogram(tag, step, wallTime, Snapshots.Of(histogram));
        }
    }
}
