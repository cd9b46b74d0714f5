using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace TbBridge.Server.Web;

/// <summary>
/// The two kinds of endpoint, bound in code: the gRPC addresses of <c>urls</c> (HTTP/2 without TLS, as before) and the
/// page's addresses of <c>TbBridge:Web:Urls</c> (HTTP/1.1, what a browser speaks in clear). Kestrel ignores <c>urls</c>
/// once any endpoint is bound in code, so <c>urls</c> is bound here the way Kestrel would have bound it; where
/// <c>Kestrel:Endpoints</c> names endpoints (TLS), those are Kestrel's own and only the page is added. Each request is
/// answered only by its own side: pages on the page's endpoint, gRPC on the others.
/// </summary>
internal sealed class WebEndpoints
{
    private readonly List<ListenOptions> _web = [];

    /// <summary>Binds both kinds on <paramref name="kestrel"/>.</summary>
    public void Configure(KestrelServerOptions kestrel, IConfiguration configuration, WebOptions web)
    {
        if (!configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            var protocols = Enum.TryParse<HttpProtocols>(configuration["Kestrel:EndpointDefaults:Protocols"], ignoreCase: true, out var p) ? p : HttpProtocols.Http2;
            foreach (string url in Split(configuration["urls"] ?? "http://127.0.0.1:5080"))
            {
                Listen(kestrel, url, protocols, null);
            }
        }

        foreach (string url in Split(web.Urls))
        {
            Listen(kestrel, url, HttpProtocols.Http1, _web);
        }
    }

    /// <summary>The page's bound addresses (the real ports once started, where 0 was asked for).</summary>
    public IReadOnlyList<string> Urls => _web.Select(o => o.IPEndPoint is { } ip ? $"http://{(ip.Address.Equals(IPAddress.Any) ? "127.0.0.1" : ip.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString())}:{ip.Port}" : o.ToString() ?? "").ToArray();

    /// <summary>Whether the request came in on one of the page's endpoints.</summary>
    public bool IsWeb(HttpContext context)
    {
        int port = context.Connection.LocalPort;
        foreach (var options in _web)
        {
            if (options.IPEndPoint is { } ip && ip.Port == port)
            {
                return true;
            }
        }

        return false;
    }

    public static string[] Split(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void Listen(KestrelServerOptions kestrel, string url, HttpProtocols protocols, List<ListenOptions>? record)
    {
        var address = BindingAddress.Parse(url);
        bool https = string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase);
        void Configure(ListenOptions options)
        {
            options.Protocols = protocols;
            if (https)
            {
                options.UseHttps();
            }

            record?.Add(options);
        }

        if (address.IsUnixPipe)
        {
            kestrel.ListenUnixSocket(address.UnixPipePath, Configure);
        }
        else if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port, Configure);
        }
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            kestrel.Listen(ip, address.Port, Configure);
        }
        else
        {
            kestrel.ListenAnyIP(address.Port, Configure); // "*", "+", "0.0.0.0" or a host name: every address, as Kestrel does with urls
        }
    }
}
