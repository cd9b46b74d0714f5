using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Ingest;

internal interface IStreamAnalysisFactory
{
    /// <summary>A fresh analysis for one stream; <paramref name="raise"/> is called synchronously for each alert.</summary>
    IStreamAnalysis Create(StreamIdentity stream, Action<Alert> raise);
}
