using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Internal.Analysis;

/// <summary>One <see cref="RunAnalyzer"/> per worker of a run, with the engine's default thresholds and the service's bound on tags.</summary>
internal sealed class RunAnalyzerFactory : IStreamAnalysisFactory
{
    private readonly AnalysisOptions _options;
    private readonly ILogger _logger;

    public RunAnalyzerFactory(AnalysisOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? AnalysisOptions.Default;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RunAnalyzerFactory>();
    }

    public IStreamAnalysis Create(StreamIdentity stream, Action<Alert> raise)
    {
        var analyzer = new RunAnalyzer(stream.Project + "/" + stream.Run + "/" + stream.Worker, _options);
        analyzer.AlertRaised += raise;
        int maxTags = _options.MaxTags;
        analyzer.TagLimitReached += tag => Log.AnalysisTagLimit(_logger, stream.Worker, stream.Project, stream.Run, maxTags, tag);
        return new RunAnalysis(analyzer);
    }
}
