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
    /// Ask training to stop on the first <see cref="AlertSeverity.Critical"/> alert (NaN/Inf, divergence):
    /// the next <see cref="TrainingMonitor.Step(long, double)"/> or <see cref="TrainingWatchdog.ThrowIfStopRequested"/>
    /// throws <see cref="TrainingStoppedException"/>. Default false: alerts are only reported.
    /// </summary>
    public bool StopOnCritical { get; init; }

    /// <summary>The run name given to the analysis engine for the writer's own run. Default ".".</summary>
    public string RunName { get; init; } = ".";

    /// <summary>Where each alert is logged (warning or error level by severity). Default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
