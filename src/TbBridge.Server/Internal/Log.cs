using Microsoft.Extensions.Logging;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal;

/// <summary>Every log line of the service, with stable event ids (grpc-dotnet's pattern).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Ingest engine started: data directory {DataDirectory}, {StreamCount} known streams")]
    public static partial void EngineStarted(ILogger logger, string dataDirectory, int streamCount);

    [LoggerMessage(2, LogLevel.Information, "Stream {StreamId} opened for {Project}/{Run} worker {Worker}, resuming after sequence {LastSequence}, file {File}")]
    public static partial void StreamOpened(ILogger logger, string streamId, string project, string run, string worker, ulong lastSequence, string file);

    [LoggerMessage(3, LogLevel.Information, "Stream {StreamId} closed at durable sequence {LastSequence}: {Reason}")]
    public static partial void StreamClosed(ILogger logger, string streamId, ulong lastSequence, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Refused {Caller} ({StreamId}) with {StatusCode}: {Reason}")]
    public static partial void Rejected(ILogger logger, string caller, string streamId, string statusCode, string reason);

    [LoggerMessage(13, LogLevel.Error, "Analysis of stream {StreamId} failed and is off for the rest of the stream; its points are still written")]
    public static partial void AnalysisFailed(ILogger logger, string streamId, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Group commit failed; the streams involved end and resume from their last durable sequence")]
    public static partial void CommitFailed(ILogger logger, Exception exception);

    [LoggerMessage(12, LogLevel.Debug, "Group commit: {Cycles} cycles, {Streams:F1} streams per cycle, fsync {SyncMs:F2} ms, state save {SaveMs:F2} ms on average")]
    public static partial void CommitStats(ILogger logger, long cycles, double streams, double syncMs, double saveMs);

    [LoggerMessage(11, LogLevel.Error, "Could not flush stream {StreamId}")]
    public static partial void SessionCommitFailed(ILogger logger, string streamId, Exception exception);

    [LoggerMessage(20, LogLevel.Warning, "Recovery: stream {StreamId}'s file {File} is gone")]
    public static partial void RecoveryFileMissing(ILogger logger, string streamId, string file);

    [LoggerMessage(21, LogLevel.Information, "Recovery: cut {Bytes} unacknowledged bytes from {File} (stream {StreamId}, durable sequence {LastSequence})")]
    public static partial void RecoveryTruncated(ILogger logger, string streamId, string file, long bytes, ulong lastSequence);

    [LoggerMessage(22, LogLevel.Error, "Recovery: {File} of stream {StreamId} has {Length} bytes but {Offset} were acknowledged")]
    public static partial void RecoveryFileShort(ILogger logger, string streamId, string file, long length, long offset);

    [LoggerMessage(30, LogLevel.Warning, "Alert {AlertId} {Kind} ({Severity}) in {Project}/{Run} worker {Worker}, tag {Tag} at step {Step}: {Message}")]
    public static partial void AlertRaised(ILogger logger, long alertId, string kind, AlertSeverity severity, string project, string run, string worker, string tag, long step, string message);

    [LoggerMessage(31, LogLevel.Information, "Watcher {Caller} caught up after {HistoryCount} past alerts")]
    public static partial void WatchStarted(ILogger logger, string caller, long historyCount);

    [LoggerMessage(32, LogLevel.Warning, "Watcher {Caller} ended having missed {Dropped} alerts (it read too slowly)")]
    public static partial void WatcherDropped(ILogger logger, string caller, long dropped);

    [LoggerMessage(33, LogLevel.Error, "Could not store alert {AlertId} ({Waiting} waiting to be stored); watchers and webhooks have it, and storing is retried with backoff")]
    public static partial void AlertStoreFailed(ILogger logger, long alertId, int waiting, Exception exception);

    [LoggerMessage(34, LogLevel.Information, "The alert store works again: stored {Count} alerts that were waiting")]
    public static partial void AlertStoreRecovered(ILogger logger, int count);

    [LoggerMessage(35, LogLevel.Error, "{Count} alerts could not be stored before the service stopped; watchers and webhooks had them")]
    public static partial void AlertsNotStored(ILogger logger, int count);

    [LoggerMessage(40, LogLevel.Warning, "Webhook {Url}: queue full ({Capacity}); {Severity} alert {AlertId} will not be delivered ({Dropped} dropped so far)")]
    public static partial void WebhookAlertDropped(ILogger logger, Uri? url, int capacity, AlertSeverity severity, long alertId, long dropped);

    [LoggerMessage(41, LogLevel.Warning, "Webhook {Url} attempt {Attempt} failed: {Reason}")]
    public static partial void WebhookFailed(ILogger logger, Uri? url, int attempt, string reason, Exception? exception);

    [LoggerMessage(42, LogLevel.Error, "Webhook {Url}: gave up on alert {AlertId} after {Attempts} attempts")]
    public static partial void WebhookGaveUp(ILogger logger, Uri? url, long alertId, int attempts);

    [LoggerMessage(43, LogLevel.Warning, "Webhook {Url}: took over alert {AlertId}, whose delivery replica {Replica} claimed and never finished (its heartbeat stopped)")]
    public static partial void WebhookTakenOver(ILogger logger, Uri? url, long alertId, string replica);

    [LoggerMessage(50, LogLevel.Warning, "Anonymous access is {Mode} and the service listens on {Address}: anyone who reaches it can write and read every project")]
    public static partial void AnonymousExposed(ILogger logger, AnonymousAccess mode, string address);

    [LoggerMessage(60, LogLevel.Information, "Stream {StreamId} of {Project}/{Run} is sending again after a stall")]
    public static partial void StallCleared(ILogger logger, string streamId, string project, string run);

    [LoggerMessage(70, LogLevel.Warning, "Worker {Worker} of {Project}/{Run} logs more than {MaxTags} tags: tags beyond them (from '{Tag}' on) are written to its event file but not analysed (TbBridge:MaxAnalysedTagsPerWorker); said once per worker")]
    public static partial void AnalysisTagLimit(ILogger logger, string worker, string project, string run, int maxTags, string tag);
}
