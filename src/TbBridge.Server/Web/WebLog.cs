using Microsoft.Extensions.Logging;

namespace TbBridge.Server.Web;

/// <summary>The page's log lines (event ids 300-319).</summary>
internal static partial class WebLog
{
    [LoggerMessage(300, LogLevel.Warning, "Could not read the event files of {Project}/{Run} worker {Worker} for its curves; the page shows what arrived since")]
    public static partial void CurvesNotRead(ILogger logger, string project, string run, string worker, Exception exception);

    [LoggerMessage(301, LogLevel.Information, "The page is served on {Urls}")]
    public static partial void Serving(ILogger logger, string urls);

    [LoggerMessage(302, LogLevel.Warning, "Page login refused from {Address}: {Reason}")]
    public static partial void LoginRefused(ILogger logger, string? address, string reason);

    [LoggerMessage(303, LogLevel.Information, "Page login by {Caller}")]
    public static partial void LoggedIn(ILogger logger, string caller);
}
