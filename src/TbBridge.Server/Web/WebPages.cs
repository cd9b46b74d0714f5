using System.Reflection;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TbBridge.Server.Web;

/// <summary>
/// The page's HTML, script and style, embedded in the service (Web/Assets: no CDN, nothing built with Node.js), and its
/// login: a pasted key, checked as a gRPC call's key is, becomes an HttpOnly, SameSite=Strict cookie; login and logout
/// are forms protected by ASP.NET's antiforgery tokens. The shells carry no data: the script fetches it and renders
/// every name as text.
/// </summary>
internal sealed class WebPages
{
    private static readonly Dictionary<string, string> s_types = new(StringComparer.Ordinal)
    {
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
        ["favicon.svg"] = "image/svg+xml",
    };

    private readonly WebCallers _callers;
    private readonly IAntiforgery _antiforgery;
    private readonly ILogger _logger;

    public WebPages(WebCallers callers, IAntiforgery antiforgery, ILogger<WebPages> logger)
    {
        _callers = callers;
        _antiforgery = antiforgery;
        _logger = logger;
    }

    /// <summary>Maps the pages; each request resolves the handler then, so mapping reads no options (they are validated at start).</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        static WebPages Of(HttpContext c) => c.RequestServices.GetRequiredService<WebPages>();
        app.MapGet("/", (HttpContext c) => Of(c).Shell(c, "runs", "Runs"));
        app.MapGet("/run", (HttpContext c) => Of(c).Shell(c, "run", "Run"));
        app.MapGet("/alerts", (HttpContext c) => Of(c).Shell(c, "alerts", "Alerts"));
        app.MapGet("/static/{name}", (string name) => s_types.TryGetValue(name, out string? type) && Asset(name) is { } bytes
            ? Results.Bytes(bytes, type)
            : Results.NotFound());
        app.MapGet("/login", (HttpContext c, string? returnUrl) => Of(c).Login(c, returnUrl, null, StatusCodes.Status200OK));
        app.MapPost("/login", (Delegate)((HttpContext c) => Of(c).LoginPostAsync(c)));
        app.MapPost("/logout", (Delegate)((HttpContext c) => Of(c).LogoutAsync(c)));
    }

    private IResult Shell(HttpContext context, string page, string title)
    {
        if (_callers.Resolve(context) is not { } caller)
        {
            return Results.Redirect("/login?returnUrl=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
        }

        var tokens = _antiforgery.GetAndStoreTokens(context);
        string html = Text("shell.html")
            .Replace("{{page}}", page, StringComparison.Ordinal)
            .Replace("{{title}}", title, StringComparison.Ordinal)
            .Replace("{{caller}}", HtmlEncoder.Default.Encode(caller.Name), StringComparison.Ordinal)
            .Replace("{{logout}}", caller.IsAnonymous ? "hidden" : "", StringComparison.Ordinal)
            .Replace("{{csrf}}", HtmlEncoder.Default.Encode(tokens.RequestToken ?? ""), StringComparison.Ordinal);
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private IResult Login(HttpContext context, string? returnUrl, string? error, int status)
    {
        var tokens = _antiforgery.GetAndStoreTokens(context);
        string html = Text("login.html")
            .Replace("{{csrf}}", HtmlEncoder.Default.Encode(tokens.RequestToken ?? ""), StringComparison.Ordinal)
            .Replace("{{returnUrl}}", HtmlEncoder.Default.Encode(LocalOnly(returnUrl)), StringComparison.Ordinal)
            .Replace("{{error}}", error is null ? "" : HtmlEncoder.Default.Encode(error), StringComparison.Ordinal)
            .Replace("{{errorHidden}}", error is null ? "hidden" : "", StringComparison.Ordinal);
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    private async Task<IResult> LoginPostAsync(HttpContext context)
    {
        if (!await _antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            WebLog.LoginRefused(_logger, context.Connection.RemoteIpAddress?.ToString(), "antiforgery token missing or invalid");
            return Results.Text("The form expired or did not come from this page: reload it and try again.", statusCode: StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        string key = form["key"].ToString().Trim();
        string returnUrl = LocalOnly(form["returnUrl"]);
        if (_callers.CheckKey(key) is not { } caller)
        {
            WebLog.LoginRefused(_logger, context.Connection.RemoteIpAddress?.ToString(), "unknown key");
            return Login(context, returnUrl, "That key is not valid here.", StatusCodes.Status401Unauthorized);
        }

        context.Response.Cookies.Append(WebCallers.CookieName, key, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = TimeSpan.FromDays(30),
            IsEssential = true,
        });
        WebLog.LoggedIn(_logger, caller.Name);
        return Results.Redirect(returnUrl);
    }

    private async Task<IResult> LogoutAsync(HttpContext context)
    {
        if (!await _antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return Results.Text("The form expired or did not come from this page: reload it and try again.", statusCode: StatusCodes.Status400BadRequest);
        }

        context.Response.Cookies.Delete(WebCallers.CookieName, new CookieOptions { Path = "/", SameSite = SameSiteMode.Strict, HttpOnly = true });
        return Results.Redirect("/login");
    }

    /// <summary>A return address on this site only (no <c>//host</c>, no scheme): anything else goes to the runs page.</summary>
    private static string LocalOnly(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";

    private static string Text(string name) => System.Text.Encoding.UTF8.GetString(Asset(name)!);

    private static byte[]? Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("TbBridge.Server.Web.Assets." + name);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
