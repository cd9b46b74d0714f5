using Microsoft.Extensions.Options;

namespace TbBridge.Server.Internal.Security;

/// <summary>
/// Counts the Watch calls each caller (API key, or anonymous remote address) has reading their history at once, at
/// most <see cref="TbBridgeServerOptions.MaxHistoryReadsPerKey"/>: a history is read from the store page by page, and
/// one key that opens many at once would make the store and the service read them all together.
/// </summary>
internal sealed class HistoryReadLimiter
{
    private readonly Dictionary<string, int> _reading = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly int _limit;

    public HistoryReadLimiter(IOptions<TbBridgeServerOptions> options)
    {
        _limit = options.Value.MaxHistoryReadsPerKey;
    }

    /// <summary>A lease that counts one history read until it is disposed, or the reason the caller is over its limit.</summary>
    public (IDisposable? Lease, string? Problem) TryEnter(Caller caller)
    {
        lock (_gate)
        {
            int reading = _reading.GetValueOrDefault(caller.Name);
            if (reading >= _limit)
            {
                return (null, $"'{caller.Name}' already has {reading} Watch calls reading their history, the most one {(caller.IsAnonymous ? "anonymous address" : "API key")} may (TbBridge:MaxHistoryReadsPerKey); retry after a backoff, or watch with new_only (and page past alerts with List).");
            }

            _reading[caller.Name] = reading + 1;
        }

        return (new Lease(this, caller.Name), null);
    }

    private void Leave(string name)
    {
        lock (_gate)
        {
            int reading = _reading.GetValueOrDefault(name) - 1;
            if (reading <= 0)
            {
                _reading.Remove(name);
            }
            else
            {
                _reading[name] = reading;
            }
        }
    }

    private sealed class Lease(HistoryReadLimiter limiter, string name) : IDisposable
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
