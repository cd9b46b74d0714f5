namespace TbBridge.Remote.Internal;

/// <summary>
/// Doubles the delay per failure in a row, from <c>initial</c> up to <c>max</c>, each delay drawn between 50 %
/// and 100 % of its ceiling ("equal jitter"), so workers cut off together do not come back together. The
/// random source is injected: tests pass a seeded one. One policy per connection loop (not thread-safe).
/// </summary>
internal sealed class ExponentialBackoffPolicy : IBackoffPolicy
{
    private const int MaxDoublings = 30;
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private int _failures;

    public ExponentialBackoffPolicy(TimeSpan initial, TimeSpan max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        ArgumentNullException.ThrowIfNull(random);
        _initial = initial;
        _max = max;
        _random = random;
    }

    public TimeSpan NextBackoff()
    {
        int failures = Math.Min(Interlocked.Increment(ref _failures), MaxDoublings);
        double ceiling = Math.Min(_max.TotalMilliseconds, _initial.TotalMilliseconds * Math.Pow(2, failures - 1));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (_random.NextDouble() * 0.5)));
    }

    public void Reset() => Interlocked.Exchange(ref _failures, 0);
}
