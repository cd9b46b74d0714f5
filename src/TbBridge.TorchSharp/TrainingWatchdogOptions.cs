using Microsoft.Extensions.Logging;
using TbBridge.Analysis;

namespace TbBridge.TorchSharp;

/// <summary>Settings of a <see cref="TrainingWatchdog"/>; immutable once the watchdog is built.</summary>
public sealed class TrainingWatchdogOptions
{
    /// <summary>
    /// The analysis engine's settings. Default <see cref="AnalysisOptions.Default"/>. The watchdog adds, after
    /// these rules, rules that mark the monitor's informational tags (update ratios, activation fractions) as
    /// known, so a healthy run raises nothing.
    /// </summary>
    public AnalysisOptions Analysis { get; init; } = AnalysisOptions.Default;

    /// <summary>
    /// Ask training to stop on the first <see cref="AlertSeverity.Critical"/> alert (NaN/Inf, divergence). Default
    /// false: alerts are only reported. When the points a <see cref="TrainingMonitor"/> logs raise it (the loss, the
    /// learning rates, the gradient norms: where the training side's NaN/Inf and divergence show), the monitor's
    /// <see cref="TrainingMonitor.Step(long, double)"/> for that step throws <see cref="TrainingStoppedException"/>
    /// before it returns: the same step on every run of a seed. When only other points raise it (what you log yourself
    /// through the writer, e.g. <c>val/loss</c>, or the writer's <c>&lt;tag&gt;/nan_count</c> beside a CPU
    /// histogram), the watchdog learns of it on the writer's background loop and the first
    /// <see cref="TrainingMonitor.Step(long, double)"/> after that throws, a few milliseconds later; call
    /// <see cref="SummaryWriter.Flush"/> then <see cref="TrainingWatchdog.ThrowIfStopRequested(long)"/> to be sure.
    /// </summary>
    public bool StopOnCritical { get; init; }

    /// <summary>The run name given to the analysis engine for the writer's own run. Default ".".</summary>
    public string RunName { get; init; } = ".";

    /// <summary>
    /// The clock of the wall times the monitor gives the points it hands the watchdog synchronously (the writer's
    /// clock stamps the others). Default <see cref="TimeProvider.System"/>.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where each alert is logged (warning or error level by severity). Default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
