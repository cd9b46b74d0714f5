using TbBridge.Analysis;

namespace TbBridge.TorchSharp;

/// <summary>
/// Thrown by <see cref="TrainingMonitor.Step(long, double)"/> (or <see cref="TrainingWatchdog.ThrowIfStopRequested(long)"/>)
/// once the watchdog has seen an alert it was told to stop on: like Keras' <c>TerminateOnNaN</c>, for every
/// kind the analysis engine knows. The message names the step at which training stopped and the alert;
/// <see cref="Alert"/> carries its evidence.
/// </summary>
public sealed class TrainingStoppedException : Exception
{
    /// <summary>Training stopped because of <paramref name="alert"/>, at a step the caller does not know.</summary>
    public TrainingStoppedException(Alert alert)
        : base(FormatMessage(alert, null))
    {
        Alert = alert;
    }

    /// <summary>Training stopped at step <paramref name="step"/> because of <paramref name="alert"/>.</summary>
    public TrainingStoppedException(Alert alert, long step)
        : base(FormatMessage(alert, step))
    {
        Alert = alert;
        Step = step;
    }

    /// <summary>The alert that stopped training.</summary>
    public Alert Alert { get; }

    /// <summary>
    /// The step at which training stopped: the <see cref="TrainingMonitor.Step(long, double)"/> call that threw. It is
    /// <see cref="Alert"/>'s step when the monitor's own points raised the alert; later when other points did (see
    /// <see cref="TrainingWatchdogOptions.StopOnCritical"/>). Null when thrown by <see cref="TrainingWatchdog.ThrowIfStopRequested()"/>.
    /// </summary>
    public long? Step { get; }

    private static string FormatMessage(Alert alert, long? step)
    {
        ArgumentNullException.ThrowIfNull(alert);
        string what = $"{alert.Kind} ({alert.Severity.ToWireString()}) on {alert.Tag}: {alert.Message}";
        return step switch
        {
            null => $"Training stopped by the TbBridge watchdog after an alert of step {alert.Step}: {what}",
            { } s when s == alert.Step => $"Training stopped by the TbBridge watchdog at step {s}: {what}",
            { } s => $"Training stopped by the TbBridge watchdog at step {s}, on an alert of step {alert.Step}: {what}",
        };
    }
}
