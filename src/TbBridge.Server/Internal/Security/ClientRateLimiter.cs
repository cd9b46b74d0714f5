using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TbBridge.Server.Internal.Security;

/// <summary>
/// A token bucket of points per client (API key name or anonymous address), refilled continuously at the
/// configured rate and holding at most one second of it. A batch is let in while the bucket is not empty
/// and may take it below zero, so one large batch is never refused outright, but the average holds.
/// </summary>
internal sealed class ClientRateLimiter
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly double _rate;

    public ClientRateLimiter(IOptions<TbBridgeServerOptions> options, TimeProvider time)
    {
        _time = time;
        _rate = options.Value.MaxPointsPerSecondPerClient;
    }

    public long Rate => (long)_rate;

    public bool TryAcquire(string client, int points)
    {
        if (_rate <= 0)
        {
            return true;
        }

        var bucket = _buckets.GetOrAdd(client, static (_, s) => new Bucket(s._rate, s._time.GetTimestamp()), this);
        return bucket.TryTake(points, _rate, _time);
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        private readonly Lock _gate = new();
        private double _tokens = tokens;
        private long _stamp = stamp;

        public bool TryTake(int points, double rate, TimeProvider time)
        {
            lock (_gate)
            {
                long now = time.GetTimestamp();
                _tokens = Math.Min(rate, _tokens + (time.GetElapsedTime(_stamp, now).TotalSeconds * rate));
                _stamp = now;
                if (_tokens <= 0)
                {
                    return false;
                }

                _tokens -= points;
                return true;
            }
        }
    }
}
