namespace TbBridge.TorchSharp;

/// <summary>Settings of a <see cref="TrainingMonitor"/>; immutable once the monitor is built.</summary>
public sealed class TrainingMonitorOptions
{
    /// <summary>
    /// Every how many steps the scalars are logged: loss, learning rates, per-parameter and global gradient
    /// norms. Default 1 (every step); 0 turns them off.
    /// </summary>
    public int ScalarInterval { get; init; } = 1;

    /// <summary>
    /// Every how many steps the histograms (weights, gradients, activations), the activation health
    /// fractions and the update-to-weight ratios are logged. Default 100; 0 turns them off. The analysis
    /// engine needs three activation snapshots in a row to call a layer dead.
    /// </summary>
    public int HistogramInterval { get; init; } = 100;

    /// <summary>Log <c>weights/&lt;param&gt;</c> histograms. Default true.</summary>
    public bool WeightHistograms { get; init; } = true;

    /// <summary>Log <c>grads/&lt;param&gt;</c> histograms. Default true.</summary>
    public bool GradientHistograms { get; init; } = true;

    /// <summary>
    /// Log <c>update_ratio/&lt;param&gt;</c> at each histogram step: the update made since the monitor step before it.
    /// The parameters are copied (on their device) at the step before a histogram step and the copy is freed after
    /// it, so the other steps pay nothing. Default true.
    /// </summary>
    public bool UpdateRatios { get; init; } = true;

    /// <summary>
    /// Hook the model's activation modules (ReLU, ReLU6, Sigmoid, Tanh) to log their output histograms and
    /// health fractions. Default true. The last training-mode output of each hooked module is kept until the
    /// next <see cref="TrainingMonitor.Step(long, double)"/>.
    /// </summary>
    public bool ActivationHooks { get; init; } = true;

    /// <summary>How close to its bounds a sigmoid (0, 1) or tanh (−1, 1) output counts as saturated. Default 0.01.</summary>
    public double SaturationMargin { get; init; } = 0.01;

    /// <summary>
    /// A watchdog to consult after each step: when it has asked to stop, <see cref="TrainingMonitor.Step(long, double)"/>
    /// throws <see cref="TrainingStoppedException"/>. With <see cref="TrainingWatchdogOptions.StopOnCritical"/> the monitor
    /// hands it each point it logs on the calling thread, so the step whose points raise a critical alert throws. It must
    /// also be one of the writer's sinks to see (and report) everything that is logged.
    /// </summary>
    public TrainingWatchdog? Watchdog { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ScalarInterval);
        ArgumentOutOfRangeException.ThrowIfNegative(HistogramInterval);
        if (!(SaturationMargin > 0 && SaturationMargin < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(SaturationMargin), SaturationMargin, "The saturation margin must be in (0, 0.5).");
        }
    }
}
