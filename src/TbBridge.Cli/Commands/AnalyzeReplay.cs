using TbBridge.Analysis;
using TbBridge.Events;

namespace TbBridge.Cli.Commands;

/// <summary>
/// Reads a run's files (the CLI's part: I/O) and hands each decoded event to the engine's one mapping,
/// <see cref="EventReplay"/>.
/// </summary>
internal static class AnalyzeReplay
{
    /// <summary>Replays a whole run (all its files, in order) and completes the analysis.</summary>
    /// <param name="run">The run to read.</param>
    /// <param name="options">Engine options (signal rules); defaults when null.</param>
    /// <param name="errors">Receives damaged records; reading goes on past them.</param>
    public static RunAnalyzer AnalyzeRun(RunInfo run, AnalysisOptions? options = null, ICollection<EventReadError>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var analyzer = new RunAnalyzer(run.Name, options);
        foreach (var evt in RunReader.ReadRun(run, errors))
        {
            EventReplay.Feed(analyzer, evt);
        }

        analyzer.Complete();
        return analyzer;
    }
}
