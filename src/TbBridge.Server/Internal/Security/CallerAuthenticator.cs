using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace TbBridge.Server.Internal.Security;

/// <summary>
/// Turns an <c>authorization: Bearer &lt;key&gt;</c> header (or its absence) into a <see cref="Caller"/>.
/// Keys are looked up by their SHA-256, so the lookup's timing says nothing about a key's characters.
/// A call that a proxy forwarded (it carries <c>Forwarded</c> or <c>X-Forwarded-For</c>) is never a loopback
/// caller, whatever address it came from: a reverse proxy on the same host would otherwise make every
/// caller it forwards anonymous under <see cref="AnonymousAccess.LoopbackOnly"/>.
/// </summary>
internal sealed class CallerAuthenticator
{
    private static readonly IReadOnlySet<string> s_all = new HashSet<string> { "*" };
    private readonly Dictionary<string, Caller> _byKeyHash = new(StringComparer.Ordinal);
    private readonly AnonymousAccess _anonymous;

    public CallerAuthenticator(IOptions<TbBridgeServerOptions> options)
    {
        _anonymous = options.Value.Anonymous;
        foreach (var key in options.Value.ApiKeys)
        {
            string name = string.IsNullOrEmpty(key.Name) ? "key-" + Hash(key.Key)[..8] : key.Name;
            _byKeyHash[Hash(key.Key)] = new Caller(name, key.Write.ToHashSet(StringComparer.Ordinal), key.Read.ToHashSet(StringComparer.Ordinal));
        }
    }

    /// <summary>The caller, or the reason the call is unauthenticated.</summary>
    /// <param name="authorization">The <c>authorization</c> header, if any.</param>
    /// <param name="remoteAddress">The connection's remote address.</param>
    /// <param name="forwarded">The request carries <c>Forwarded</c> or <c>X-Forwarded-For</c>: a proxy sent it on.</param>
    public (Caller? Caller, string? Problem) Authenticate(string? authorization, IPAddress? remoteAddress, bool forwarded = false)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            bool loopback = remoteAddress is not null && IPAddress.IsLoopback(remoteAddress) && !forwarded;
            return _anonymous switch
            {
                AnonymousAccess.Any => (Anonymous(remoteAddress), null),
                AnonymousAccess.LoopbackOnly when loopback => (Anonymous(remoteAddress), null),
                AnonymousAccess.LoopbackOnly when forwarded => (null, "An API key is required: the call was forwarded by a proxy, so it is not a loopback caller; send 'authorization: Bearer <key>'."),
                _ => (null, "An API key is required: send 'authorization: Bearer <key>'."),
            };
        }

        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return (null, "The authorization header must be 'Bearer <key>'.");
        }

        return _byKeyHash.TryGetValue(Hash(authorization[scheme.Length..].Trim()), out var caller)
            ? (caller, null)
            : (null, "The API key is not valid.");
    }

    private static Caller Anonymous(IPAddress? remoteAddress) => new("anonymous@" + remoteAddress, s_all, s_all, isAnonymous: true);

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
