using Microsoft.Extensions.Options;

namespace TbBridge.Server.Internal.Security;

/// <summary>
/// Counts the ingest calls each caller holds open, from the call's start to its end: at most
/// <see cref="TbBridgeServerOptions.MaxStreamsPerKey"/> per API key and
/// <see cref="TbBridgeServerOptions.MaxStreamsPerAnonymousAddress"/> per anonymous remote address, so one caller
/// cannot take every descriptor and every byte of memory the service has.
/// </summary>
internal sealed class IngestCallLimiter
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly int _perKey;
    private readonly int _perAnonymousAddress;

    public IngestCallLimiter(IOptions<TbBridgeServerOptions> options)
    {
        _perKey = options.Value.MaxStreamsPerKey;
        _perAnonymousAddress = options.Value.MaxStreamsPerAnonymousAddress;
    }

    /// <summary>A lease that counts one call until it is disposed, or the reason the caller is over its limit.</summary>
    public (IDisposable? Lease, string? Problem) TryEnter(Caller caller)
    {
        int limit = caller.IsAnonymous ? _perAnonymousAddress : _perKey;
        lock (_gate)
        {
            int open = _open.GetValueOrDefault(caller.Name);
            if (open >= limit)
            {
                return (null, caller.IsAnonymous
                    ? $"'{caller.Name}' already has {open} ingest calls open, the most one anonymous address may hold (TbBridge:MaxStreamsPerAnonymousAddress); end one, or retry after a backoff."
                    : $"'{caller.Name}' already has {open} ingest calls open, the most one API key may hold (TbBridge:MaxStreamsPerKey); end one, or retry after a backoff.");
            }

            _open[caller.Name] = open + 1;
        }

        return (new Lease(this, caller.Name), null);
    }

    private void Leave(string name)
    {
        lock (_gate)
        {
            int open = _open.GetValueOrDefault(name) - 1;
            if (open <= 0)
            {
                _open.Remove(name);
            }
            else
            {
                _open[name] = open;
            }
        }
    }

    private sealed class Lease(IngestCallLimiter limiter, string name) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                limiter.Leave(name);
            }
        }
    }
}
