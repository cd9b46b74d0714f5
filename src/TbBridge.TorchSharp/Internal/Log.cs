using Microsoft.Extensions.Logging;

namespace TbBridge.TorchSharp.Internal;

/// <summary>The package's log messages, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Training alert {Kind} ({Severity}) at step {Step} on {Tag}: {Message}")]
    public static partial void InfoAlert(ILogger logger, string kind, string severity, long step, string tag, string message);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Training alert {Kind} ({Severity}) at step {Step} on {Tag}: {Message}")]
    public static partial void WarningAlert(ILogger logger, string kind, string severity, long step, string tag, string message);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Training alert {Kind} ({Severity}) at step {Step} on {Tag}: {Message}")]
    public static partial void CriticalAlert(ILogger logger, string kind, string severity, long step, string tag, string message);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "An AlertRaised handler threw; the watchdog goes on")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);
}
