using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Ingest;

internal interface IStreamAnalysisFactory
{
    /// <summary>A fresh analysis for one worker of a run; <paramref name="raise"/> is called synchronously for each alert.</summary>
    IStreamAnalysis Create(StreamIdentity stream, Action<Alert> raise);
}
