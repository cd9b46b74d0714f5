namespace TbBridge.Server.Internal.Ingest;

/// <summary>Why the engine refused a stream or batch; the service maps each to a gRPC status (docs/server.md, "Statuses").</summary>
internal enum StreamRejection
{
    /// <summary>A project, run, worker, stream id or tag breaks the name rules. INVALID_ARGUMENT.</summary>
    InvalidName,

    /// <summary>A batch is malformed (tag index out of range, column lengths differ, a reserved tag). INVALID_ARGUMENT.</summary>
    InvalidBatch,

    /// <summary>The stream id is held by another run or worker of the project. FAILED_PRECONDITION.</summary>
    Conflict,

    /// <summary>A batch's sequence is not the last one the stream holds + 1 (a gap, a repeat). FAILED_PRECONDITION: nothing was written.</summary>
    SequenceNotNext,

    /// <summary>The stream id, or the run and worker, is live on another connection. ABORTED: retry after a backoff.</summary>
    Busy,

    /// <summary>The service is shutting down. UNAVAILABLE: reconnect and resume.</summary>
    Stopping,

    /// <summary>The stream's file could not be written or made durable; it was rolled back. UNAVAILABLE: reconnect and resume.</summary>
    StorageFailed,

    /// <summary>The disk is full, the process is out of descriptors, or a caller's limit is reached. RESOURCE_EXHAUSTED.</summary>
    Exhausted,
}
