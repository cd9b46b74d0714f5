using TbBridge.Analysis;
using TbBridge.Events;

namespace TbBridge.Cli.Commands;

/// <summary>
/// Reads a training run's files (the CLI's part: I/O) and hands the decoded events to the engine's one mapping,
/// <see cref="EventReplay"/>, which merges its sub-runs in time order.
/// </summary>
internal static class AnalyzeReplay
{
    /// <summary>Replays a whole training run (all files of all its sub-runs) and completes the analysis.</summary>
    /// <param name="run">The training run, as <see cref="TrainingRunRules.Group"/> formed it.</param>
    /// <param name="runs">The discovered runs by name (where each sub-run's files are).</param>
    /// <param name="options">Engine options (signal rules); defaults when null.</param>
    /// <param name="errors">Receives damaged records; reading goes on past them.</param>
    public static RunAnalyzer AnalyzeRun(TrainingRun run, IReadOnlyDictionary<string, RunInfo> runs, AnalysisOptions? options = null, ICollection<EventReadError>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(runs);
        var analyzer = new RunAnalyzer(run.Name, options);
        EventReplay.Feed(analyzer, run, subRun => RunReader.ReadRun(runs[subRun.Run], errors));
        analyzer.Complete();
        return analyzer;
    }
}
