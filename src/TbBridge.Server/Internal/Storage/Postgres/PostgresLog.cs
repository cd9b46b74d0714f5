using Microsoft.Extensions.Logging;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>What the PostgreSQL homes log; event ids 200–219.</summary>
internal static partial class PostgresLog
{
    [LoggerMessage(200, LogLevel.Information, "Replica {ReplicaId}: PostgreSQL schema up to date ({Applied} of {Known} migrations applied by this start)")]
    public static partial void Migrated(ILogger logger, string replicaId, int applied, int known);

    [LoggerMessage(201, LogLevel.Warning, "PostgreSQL not reachable yet ({Reason}); retrying")]
    public static partial void NotReachable(ILogger logger, string reason);

    [LoggerMessage(202, LogLevel.Warning, "Replica {ReplicaId}: heartbeat failed; other replicas may take its streams once it is old")]
    public static partial void HeartbeatFailed(ILogger logger, string replicaId, Exception exception);

    [LoggerMessage(203, LogLevel.Information, "Stream {StreamId} of {Project} taken over from replica {Previous}: file {File} sealed at {Length} bytes")]
    public static partial void StreamTakenOver(ILogger logger, string streamId, string project, string previous, string file, long length);

    [LoggerMessage(204, LogLevel.Warning, "Alert feed: the listening connection failed; catching up after a reconnect")]
    public static partial void FeedFailed(ILogger logger, Exception exception);

    [LoggerMessage(205, LogLevel.Information, "Replica {ReplicaId}: deleted {Count} rows of replicas whose heartbeat stopped long ago and whose streams were judged")]
    public static partial void ReplicasPruned(ILogger logger, string replicaId, int count);

    [LoggerMessage(206, LogLevel.Warning, "Recovery: stream {StreamId}'s file {File} holds commits past what PostgreSQL says (the database is older than the file): moved from sequence {SavedSequence} to {ProvenSequence}, keeping {Bytes} more bytes")]
    public static partial void RecoveryMovedForward(ILogger logger, string streamId, string file, ulong savedSequence, ulong provenSequence, long bytes);
}
