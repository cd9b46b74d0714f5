using Microsoft.Extensions.Logging;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>The ingest engine's log lines about durability and recovery (event ids 100-129).</summary>
internal static partial class IngestLog
{
    [LoggerMessage(100, LogLevel.Error, "Could not roll stream {StreamId}'s file {File} back to its durable offset; it is cut again when the stream resumes or the service starts")]
    public static partial void RollBackFailed(ILogger logger, string streamId, string file, Exception exception);

    [LoggerMessage(101, LogLevel.Error, "Stream {StreamId}: writing {File} failed; the file is rolled back to its last durable offset and the stream ends")]
    public static partial void WriteFailed(ILogger logger, string streamId, string file, Exception exception);

    [LoggerMessage(102, LogLevel.Information, "Recovery: removed {File} (stream {StreamId}): nothing in it was acknowledged")]
    public static partial void RecoveryRemoved(ILogger logger, string streamId, string file);

    [LoggerMessage(103, LogLevel.Information, "Analysis of {Project}/{Run} worker {Worker} rebuilt from {Files} files ({Points} points); {Alerts} alerts found that were not raised before")]
    public static partial void AnalysisReplayed(ILogger logger, string project, string run, string worker, int files, long points, int alerts);

    [LoggerMessage(104, LogLevel.Error, "Analysis of {Project}/{Run} worker {Worker} failed on a batch; it goes on with the next one, and the points are written")]
    public static partial void AnalysisFailed(ILogger logger, string project, string run, string worker, Exception exception);

    [LoggerMessage(106, LogLevel.Error, "Alert {Kind} of {Project}/{Run} worker {Worker} could not be routed; a later replay of the worker raises it again")]
    public static partial void AlertNotRouted(ILogger logger, string kind, string project, string run, string worker, Exception exception);

    [LoggerMessage(105, LogLevel.Warning, "Recovery: stream {StreamId}'s file {File} could not be read back for its analysis")]
    public static partial void ReplayFailed(ILogger logger, string streamId, string file, Exception exception);

    [LoggerMessage(107, LogLevel.Warning, "Recovery: stream {StreamId}'s file {File} holds commits past its saved state (tbbridge.db is older than the file): moved from sequence {SavedSequence} to {ProvenSequence}, keeping {Bytes} more bytes")]
    public static partial void RecoveryMovedForward(ILogger logger, string streamId, string file, ulong savedSequence, ulong provenSequence, long bytes);

    [LoggerMessage(108, LogLevel.Warning, "Stream {StreamId} was unknown to tbbridge.db, but {File} holds its commits up to sequence {Sequence}: it resumes from there")]
    public static partial void StreamRebuiltFromFile(ILogger logger, string streamId, string file, ulong sequence);

    [LoggerMessage(119, LogLevel.Warning, "New streams are refused: {Open} of this process's {Limit} file descriptors are open, and {Reserve} are kept free for the runtime (raise ulimit -n, or fewer workers per replica); streams already open go on")]
    public static partial void NearDescriptorLimit(ILogger logger, int open, int limit, int reserve);
}
