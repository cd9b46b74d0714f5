using TbBridge.Analysis;

namespace TbBridge.Server;

/// <summary>An HTTP endpoint that receives each alert as a JSON POST.</summary>
internal sealed class WebhookOptions
{
    public Uri? Url { get; set; }

    public WebhookFormat Format { get; set; } = WebhookFormat.Json;

    /// <summary>Alerts below this severity are not sent. Default warning.</summary>
    public AlertSeverity MinSeverity { get; set; } = AlertSeverity.Warning;

    public int MaxAttempts { get; set; } = 5;

    /// <summary>How long one attempt waits for the endpoint's answer (its status line and headers) before it counts as failed. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The page's address for the alert's link in each message; default <c>TbBridge:Web:PublicUrl</c> (or the page's first URL). None while the page is off.</summary>
    public Uri? PageUrl { get; set; }
}
