using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TbBridge.Server.Internal.Security;

namespace TbBridge.Server.Tests.Internal;

public sealed class ClientRateLimiterTests
{
    [Fact]
    public void TryAcquire_OverTheRate_RefusesUntilTimeRefillsTheBucket()
    {
        var time = new FakeTimeProvider();
        var limiter = new ClientRateLimiter(Options.Create(new TbBridgeServerOptions { MaxPointsPerSecondPerClient = 1000 }), time);

        Assert.True(limiter.TryAcquire("a", 3000)); // a full bucket lets one big batch through...
        Assert.False(limiter.TryAcquire("a", 1)); // ...and then it is 2000 in debt
        Assert.True(limiter.TryAcquire("b", 10)); // other clients have their own bucket

        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(limiter.TryAcquire("a", 1)); // still 500 in debt
        time.Advance(TimeSpan.FromSeconds(0.6));
        Assert.True(limiter.TryAcquire("a", 1));
    }

    [Fact]
    public void TryAcquire_ZeroRate_MeansNoLimit()
    {
        var limiter = new ClientRateLimiter(Options.Create(new TbBridgeServerOptions { MaxPointsPerSecondPerClient = 0 }), new FakeTimeProvider());
        Assert.True(limiter.TryAcquire("a", int.MaxValue));
        Assert.True(limiter.TryAcquire("a", int.MaxValue));
    }
}
