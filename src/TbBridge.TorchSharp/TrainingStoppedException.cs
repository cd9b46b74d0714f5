using TbBridge.Analysis;

namespace TbBridge.TorchSharp;

/// <summary>
/// Thrown by <see cref="TrainingMonitor.Step(long, double)"/> (or <see cref="TrainingWatchdog.ThrowIfStopRequested"/>)
/// once the watchdog has seen an alert it was told to stop on: like Keras' <c>TerminateOnNaN</c>, for every
/// kind the analysis engine knows. The message names the alert; <see cref="Alert"/> carries its evidence.
/// </summary>
public sealed class TrainingStoppedException : Exception
{
    /// <summary>Training stopped because of <paramref name="alert"/>.</summary>
    public TrainingStoppedException(Alert alert)
        : base(FormatMessage(alert))
    {
        Alert = alert;
    }

    /// <summary>The alert that stopped training.</summary>
    public Alert Alert { get; }

    private static string FormatMessage(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return $"Training stopped by the TbBridge watchdog at step {alert.Step}: {alert.Kind} ({alert.Severity.ToWireString()}) on {alert.Tag}: {alert.Message}";
    }
}
