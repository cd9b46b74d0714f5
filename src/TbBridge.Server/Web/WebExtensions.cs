using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Liveness;
using TbBridge.Server.Web.History;

namespace TbBridge.Server.Web;

/// <summary>Wires the page: its services, its endpoint beside gRPC, its routes and its headers.</summary>
internal static class WebExtensions
{
    /// <summary>Paths the page answers; on the page's endpoint nothing else is answered, on the gRPC endpoints none of these.</summary>
    private static readonly string[] s_pagePaths = ["/", "/run", "/alerts", "/login", "/logout"];

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void AddTbBridgeWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var web = builder.Configuration.GetSection(TbBridgeServerOptions.SectionName + ":Web").Get<WebOptions>() ?? new WebOptions();
        services.AddSingleton<CurveHistory>();
        // Ingest tells one observer of each stream: the liveness monitor, then the curves.
        services.AddSingleton<IStreamObserver>(sp => new StreamObservers(sp.GetRequiredService<StreamLivenessMonitor>(), sp.GetRequiredService<CurveHistory>()));
        // Webhook and Slack messages link to the alert on the page.
        services.PostConfigure<TbBridgeServerOptions>(o =>
        {
            foreach (var hook in o.Webhooks)
            {
                hook.PageUrl ??= o.Web.Enabled ? new Uri(o.Web.LinkBase() + "/") : null;
            }
        });
        if (!web.Enabled)
        {
            return;
        }

        var endpoints = new WebEndpoints();
        services.AddSingleton(endpoints);
        // After every other Kestrel callback (a host's ConfigureHttpsDefaults included): an https endpoint bound here
        // takes the server certificate they set.
        services.AddOptions<KestrelServerOptions>().PostConfigure(kestrel => endpoints.Configure(kestrel, builder.Configuration, web));
        services.AddSingleton<WebCallers>();
        services.AddSingleton<WebApi>();
        services.AddSingleton<WebPages>();
        services.AddSingleton<EventStream>();
        // Antiforgery tokens for login and logout, under keys held in memory: nothing is written (not in the data
        // directory, where every folder is a project, nor in the home directory); a form older than a restart is refused
        // and reloaded. The login cookie itself is the key, so it survives restarts.
        services.AddDataProtection().SetApplicationName("TbBridge");
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new MemoryXmlRepository());
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "tbbridge-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.FormFieldName = "csrf";
        });
    }

    public static void MapTbBridgeWeb(this WebApplication app)
    {
        if (app.Services.GetService<WebEndpoints>() is not { } endpoints)
        {
            return;
        }

        app.Use(async (context, next) =>
        {
            string path = context.Request.Path.Value ?? "/";
            bool pagePath = s_pagePaths.Contains(path, StringComparer.Ordinal) || path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/static/", StringComparison.Ordinal);
            bool web = endpoints.IsWeb(context);
            if (web != pagePath)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (web)
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                if (!path.StartsWith("/static/", StringComparison.Ordinal))
                {
                    headers.CacheControl = "no-store";
                }
            }

            await next(context).ConfigureAwait(false);
        });

        WebPages.Map(app);
        WebApi.Map(app);
        app.MapGet("/api/events", (HttpContext c) => c.RequestServices.GetRequiredService<EventStream>().HandleAsync(c));
        app.Lifetime.ApplicationStarted.Register(() =>
            WebLog.Serving(app.Services.GetRequiredService<ILogger<WebPages>>(), string.Join(", ", endpoints.Urls)));
    }
}
