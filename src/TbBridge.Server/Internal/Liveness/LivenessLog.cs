using Microsoft.Extensions.Logging;

namespace TbBridge.Server.Internal.Liveness;

/// <summary>What the liveness monitor logs about other replicas' streams; event ids 61–69 (60 is <c>Log.StallCleared</c>).</summary>
internal static partial class LivenessLog
{
    [LoggerMessage(61, LogLevel.Warning, "Stream {StreamId} of {Project}/{Run} was held by a replica that stopped beating; judged here: disconnected unless it resumes within the grace")]
    public static partial void OrphanTaken(ILogger logger, string streamId, string project, string run);

    [LoggerMessage(62, LogLevel.Warning, "Streams of dead replicas could not be judged now (the shared state did not answer); trying again")]
    public static partial void OrphansNotJudged(ILogger logger, Exception exception);

    [LoggerMessage(63, LogLevel.Warning, "A stall could not be recorded in the shared state; other replicas show the stream live until its next points")]
    public static partial void StallNotShared(ILogger logger, Exception exception);
}
