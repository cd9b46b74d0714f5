using Microsoft.Extensions.Logging;

namespace TbBridge.Internal;

/// <summary>The writer's log messages; event ids are stable.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "SinkWriteFailed", Level = LogLevel.Error, Message = "Summary sink {Sink} failed to write a batch of {Count} points; they are lost for this sink")]
    internal static partial void SinkWriteFailed(ILogger logger, string sink, int count, Exception exception);

    [LoggerMessage(EventId = 2, EventName = "SinkFlushFailed", Level = LogLevel.Error, Message = "Summary sink {Sink} failed to flush")]
    internal static partial void SinkFlushFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(EventId = 3, EventName = "SinkDisposeFailed", Level = LogLevel.Warning, Message = "Summary sink {Sink} failed to close")]
    internal static partial void SinkDisposeFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(EventId = 4, EventName = "PointsDropped", Level = LogLevel.Warning, Message = "The summary queue was full: {Dropped} points dropped so far (FullQueuePolicy.DropNewest)")]
    internal static partial void PointsDropped(ILogger logger, long dropped);

    [LoggerMessage(EventId = 5, EventName = "WriterLoopFailed", Level = LogLevel.Critical, Message = "The summary writer's background loop stopped; points added later are not written")]
    internal static partial void WriterLoopFailed(ILogger logger, Exception exception);
}
