using TbBridge.Analysis;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Internal.Analysis;

/// <summary>One <see cref="RunAnalyzer"/> per worker of a run, with the engine's default thresholds.</summary>
internal sealed class RunAnalyzerFactory : IStreamAnalysisFactory
{
    private readonly AnalysisOptions _options;

    public RunAnalyzerFactory(AnalysisOptions? options = null)
    {
        _options = options ?? AnalysisOptions.Default;
    }

    public IStreamAnalysis Create(StreamIdentity stream, Action<Alert> raise)
    {
        var analyzer = new RunAnalyzer(stream.Project + "/" + stream.Run + "/" + stream.Worker, _options);
        analyzer.AlertRaised += raise;
        return new RunAnalysis(analyzer);
    }
}
