using TbBridge.Analysis;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Internal.Analysis;

/// <summary>Feeds every scalar and histogram of a batch to the stream's <see cref="RunAnalyzer"/>, in order.</summary>
internal sealed class RunAnalysis : IStreamAnalysis
{
    private readonly RunAnalyzer _analyzer;

    public RunAnalysis(RunAnalyzer analyzer)
    {
        _analyzer = analyzer;
    }

    public void Observe(IngestBatch batch)
    {
        var scalars = batch.Scalars;
        var tags = batch.Tags;
        for (int i = 0; i < scalars.Count; i++)
        {
            _analyzer.ObserveScalar(tags[scalars.TagIndex[i]], scalars.Steps[i], scalars.WallTimes[i], scalars.Values[i]);
        }

        foreach (var point in batch.Histograms)
        {
            _analyzer.ObserveHistogram(tags[point.TagIndex], point.Step, point.WallTime, EventReplay.ToSnapshot(point.Histogram));
        }
    }
}
