namespace TbBridge.Server.Internal.Ingest;

/// <summary>Why the engine refused a stream or batch; the service maps each to a gRPC status.</summary>
internal enum StreamRejection
{
    InvalidName,
    InvalidBatch,
    Conflict,
    Busy,
    Stopping,
}
