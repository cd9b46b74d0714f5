namespace TbBridge.Server.Web;

/// <summary>The <c>TbBridge:Web</c> section: the team's page, on its own HTTP/1.1 endpoint beside gRPC (docs/server.md, The page).</summary>
internal sealed class WebOptions
{
    /// <summary>Off: no page, no second endpoint, and <c>urls</c> is left to Kestrel exactly as before the page existed.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the page listens (HTTP/1.1), <c>;</c>-separated as <c>urls</c>. <c>--web-urls</c> on the command line.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5081";

    /// <summary>The page's address as people reach it (a proxy's, say), for links in webhook and Slack messages; default: the first of <see cref="Urls"/>.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>Stock TensorBoard over the same data directory (<c>tensorboard --logdir &lt;data-dir&gt;</c>), for the run page's links.</summary>
    public Uri TensorBoardUrl { get; set; } = new("http://127.0.0.1:6006");

    /// <summary>Points kept per curve (recognised tag of one worker); older ones are thinned to every 2nd, 4th, … as a run grows.</summary>
    public int CurvePoints { get; set; } = 256;

    /// <summary>Recognised tags kept per worker; the first ones seen win.</summary>
    public int CurvesPerWorker { get; set; } = 16;

    /// <summary>Event streams (<c>/api/events</c>) open at once over all callers; one more is answered 503.</summary>
    public int MaxEventStreams { get; set; } = 256;

    /// <summary>An event stream is closed after this long and the browser reconnects (EventSource), so none lives for ever.</summary>
    public TimeSpan EventStreamLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The page address in links: <see cref="PublicUrl"/>, else the first of <see cref="Urls"/>.</summary>
    public string LinkBase()
    {
        string first = PublicUrl?.ToString() ?? Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return first.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .TrimEnd('/');
    }
}
