using Microsoft.Extensions.Logging;

namespace TbBridge.Remote.Internal;

/// <summary>The remote sink's log lines (event ids 100-199, apart from the writer's own).</summary>
internal static partial class RemoteLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Remote sink connected: run {Run}, stream {StreamId}, the service holds up to sequence {LastSequence}")]
    public static partial void Connected(ILogger logger, string run, string streamId, ulong lastSequence);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Remote sink for run {Run} lost its connection ({Reason}); reconnecting with backoff")]
    public static partial void ConnectionFailed(ILogger logger, string run, string reason, Exception exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Remote sink for run {Run}: memory and spool are full, a batch of {Points} points dropped (sequence {Sequence} goes to the next batch)")]
    public static partial void BatchDropped(ILogger logger, string run, ulong sequence, int points);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Remote sink for run {Run}: the service refused batch {Sequence} ({Points} points), dropped: {Reason}")]
    public static partial void BatchRefused(ILogger logger, string run, ulong sequence, int points, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Remote sink for run {Run}: spool I/O failed")]
    public static partial void SpoolFailed(ILogger logger, string run, Exception exception);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Remote sink for run {Run}: replaying {Batches} batches left in the spool by an earlier process")]
    public static partial void ReplayingSpool(ILogger logger, string run, int batches);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Remote sink for run {Run} closed with {Batches} batches unacknowledged (spooled for the next run: {Spooled})")]
    public static partial void DrainIncomplete(ILogger logger, string run, int batches, bool spooled);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Remote sink for run {Run}: everything was acknowledged, but the service did not close the stream within the drain timeout; the call was cancelled")]
    public static partial void CloseIncomplete(ILogger logger, string run);

    [LoggerMessage(EventId = 107, Level = LogLevel.Debug, Message = "Remote sink: a {Kind} point on {Tag} is not sent to the service (a tag the service writes itself, or a histogram without a finite value); the sink counts such points in UnsupportedPoints")]
    public static partial void UnsupportedPoint(ILogger logger, SummaryPointKind kind, string tag);
}
