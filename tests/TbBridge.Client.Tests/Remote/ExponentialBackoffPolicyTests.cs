using TbBridge.Remote.Internal;

namespace TbBridge.Client.Tests.Remote;

public sealed class ExponentialBackoffPolicyTests
{
    [Fact]
    public void NextBackoff_DoublesPerFailureWithJitter_UpToTheCeiling()
    {
        var policy = new ExponentialBackoffPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new Random(42));

        double[] delays = [.. Enumerable.Range(0, 8).Select(_ => policy.NextBackoff().TotalMilliseconds)];

        double[] ceilings = [100, 200, 400, 800, 1000, 1000, 1000, 1000];
        for (int i = 0; i < delays.Length; i++)
        {
            Assert.InRange(delays[i], ceilings[i] * 0.5, ceilings[i]);
        }

        Assert.True(delays.Distinct().Count() > 4, "the jitter spreads the delays");
    }

    [Fact]
    public void NextBackoff_SameSeed_SameDelays()
    {
        var a = new ExponentialBackoffPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), new Random(7));
        var b = new ExponentialBackoffPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), new Random(7));

        Assert.Equal(Enumerable.Range(0, 5).Select(_ => a.NextBackoff()), Enumerable.Range(0, 5).Select(_ => b.NextBackoff()));
    }

    [Fact]
    public void Reset_StartsAgainFromTheFirstDelay()
    {
        var policy = new ExponentialBackoffPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), new Random(1));
        for (int i = 0; i < 6; i++)
        {
            policy.NextBackoff();
        }

        policy.Reset();

        Assert.InRange(policy.NextBackoff().TotalMilliseconds, 50, 100);
    }

    [Fact]
    public void NextBackoff_ManyFailures_NeverOverflowsPastTheCeiling()
    {
        var policy = new ExponentialBackoffPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), new Random(3));

        for (int i = 0; i < 1000; i++)
        {
            Assert.InRange(policy.NextBackoff().TotalSeconds, 0.1, 30);
        }
    }
}
