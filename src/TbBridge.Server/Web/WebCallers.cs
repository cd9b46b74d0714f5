using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TbBridge.Server.Internal.Security;

namespace TbBridge.Server.Web;

/// <summary>
/// Who is asking, for the page: the key in its cookie (set by the login form), else an <c>authorization: Bearer</c>
/// header (scripts, curl), else nobody, which <see cref="CallerAuthenticator"/> lets in as it lets in a gRPC call without
/// a key. One rule more for a browser: without a key, a request whose <c>Host</c> is not a loopback name is never a
/// loopback caller, so a page on another site that rebinds its name to 127.0.0.1 reads nothing.
/// </summary>
internal sealed class WebCallers
{
    /// <summary>The login cookie: the key itself, HttpOnly and SameSite=Strict, so no script and no other site can use it.</summary>
    public const string CookieName = "tbbridge-key";

    private readonly CallerAuthenticator _authenticator;
    private readonly AnonymousAccess _anonymous;

    public WebCallers(CallerAuthenticator authenticator, IOptions<TbBridgeServerOptions> options)
    {
        _authenticator = authenticator;
        _anonymous = options.Value.Anonymous;
    }

    public Caller? Resolve(HttpContext context) => Resolve(context, out _);

    public Caller? Resolve(HttpContext context, out string? problem)
    {
        var request = context.Request;
        string? authorization = request.Cookies.TryGetValue(CookieName, out string? key) && key.Length > 0
            ? "Bearer " + key
            : request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null;
        bool forwarded = request.Headers.ContainsKey("Forwarded") || request.Headers.ContainsKey("X-Forwarded-For");
        if (authorization is null && _anonymous == AnonymousAccess.LoopbackOnly && !IsLoopbackHost(request.Host))
        {
            problem = "An API key is required: the page was asked for by a name that is not a loopback address.";
            return null;
        }

        var (caller, why) = _authenticator.Authenticate(authorization, context.Connection.RemoteIpAddress, forwarded);
        problem = why;
        return caller;
    }

    /// <summary>Checks a pasted key; the caller it names, or null.</summary>
    public Caller? CheckKey(string key) => key.Length == 0 ? null : _authenticator.Authenticate("Bearer " + key, null).Caller;

    private static bool IsLoopbackHost(HostString host) =>
        string.Equals(host.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
