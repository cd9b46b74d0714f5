namespace TbBridge.Server.Internal.Ingest;

/// <summary>How a stream's call ended.</summary>
internal enum StreamEnd
{
    /// <summary>The client closed its side: the writer finished (disposed, flushed, done).</summary>
    Completed,

    /// <summary>The call broke or was cancelled by the client: the process died, or the network did.</summary>
    Broken,

    /// <summary>The service ended it: taken over by a reconnect of the same stream, or the service stopping.</summary>
    EndedByService,
}
