namespace TbBridge.Server.Internal.Ingest;

/// <summary>The analysis of one worker stream: sees every accepted batch, raises alerts through its factory's callback.</summary>
internal interface IStreamAnalysis
{
    void Observe(IngestBatch batch);
}
