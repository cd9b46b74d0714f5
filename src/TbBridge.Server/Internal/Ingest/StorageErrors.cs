namespace TbBridge.Server.Internal.Ingest;

/// <summary>What a failed write, fsync or open of a stream's file tells its client.</summary>
internal static class StorageErrors
{
    // .NET on Unix carries the errno in HResult; on Windows, HRESULT_FROM_WIN32 of the system error.
    private const int Enfile = 23, Emfile = 24, Enospc = 28, Edquot = 122;
    private const int SqliteFull = 13; // SQLITE_FULL: the resume state could not be saved
    private const int ErrorTooManyOpenFiles = unchecked((int)0x80070004), ErrorHandleDiskFull = unchecked((int)0x80070027), ErrorDiskFull = unchecked((int)0x80070070);

    /// <summary>
    /// An error of a stream's file or of its resume state: I/O (a SQLite failure to register a file arrives wrapped
    /// as one), access, or a file shorter than its durable length. The stream fails with <see cref="ToRejection"/>.
    /// </summary>
    public static bool IsStorageError(Exception error) => error is IOException or UnauthorizedAccessException or InvalidDataException;

    /// <summary>True for a full disk or quota.</summary>
    public static bool IsDiskFull(Exception error) =>
        error is IOException { HResult: Enospc or Edquot or ErrorDiskFull or ErrorHandleDiskFull }
        || error is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: SqliteFull }
        || (error.InnerException is { } inner && IsDiskFull(inner));

    /// <summary>True when the process (or the system) is out of file descriptors.</summary>
    public static bool IsOutOfDescriptors(Exception error) =>
        error is IOException { HResult: Emfile or Enfile or ErrorTooManyOpenFiles } || (error.InnerException is { } inner && IsOutOfDescriptors(inner));

    /// <summary>
    /// The refusal a storage error becomes: RESOURCE_EXHAUSTED for a full disk or no descriptors left (retry once
    /// the operator has made room), UNAVAILABLE for anything else (retry with a backoff). Either way the stream's
    /// file was rolled back to what was acked, so a resumed client sends the rest again and nothing is doubled.
    /// </summary>
    public static StreamRejectedException ToRejection(Exception error)
    {
        if (error is StreamRejectedException rejection)
        {
            return rejection;
        }

        if (IsDiskFull(error))
        {
            return new StreamRejectedException(StreamRejection.Exhausted, "The service's disk is full; nothing unacknowledged was kept. Resume after a backoff: batches above the last ack are still needed.");
        }

        if (IsOutOfDescriptors(error))
        {
            return new StreamRejectedException(StreamRejection.Exhausted, "The service is out of file descriptors; nothing unacknowledged was kept. Resume after a backoff.");
        }

        return new StreamRejectedException(StreamRejection.StorageFailed, $"The service could not write this stream's event file ({error.Message}); nothing unacknowledged was kept. Reconnect and resume.");
    }
}
