namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Told of each stream's life as ingest sees it (opened, points received, ended and how), so that what watches
/// streams over time (the liveness monitor) needs nothing else from ingest. Called on the stream's own call.
/// </summary>
internal interface IStreamObserver
{
    void Opened(StreamSession session);

    /// <summary>A batch was written (resends of durable batches are not reported).</summary>
    void Received(StreamSession session, IngestBatch batch);

    void Closed(StreamSession session, StreamEnd end);
}
