using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Issue 22: <c>divergence</c> on a loss that spiked and came back. A corrupted batch whose damage builds over three
/// steps rises three points in a row to 150x its median, as fast divergence does; the next point shows it came back.
/// </summary>
public sealed class DivergenceComeBackTests
{
    private static readonly double[] Surge = [20, 60, 150];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_LossSurgesThreePointsThenComesBack_NoDivergence(int seed)
    {
        var a = Feed(seed, stays: false);
        Assert.False(a.Alerts.Any(x => x.Kind == AlertKind.Divergence), a.Alerts.Describe());
        a.AssertOnly(AlertKind.LossSpike);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_LossSurgesThreePointsAndStays_DivergenceWhereItRoseThreeTimes(int seed)
    {
        var a = Feed(seed, stays: true);
        var alert = a.AssertSingle(AlertKind.Divergence);
        Assert.True(alert.Step is 301 or 302, a.Alerts.Describe());
        Assert.True(alert.Evidence["ratio"] >= 10);
    }

    [Fact]
    public void ObserveScalar_LossSurgesThenNan_DivergenceBeforeTheNan()
    {
        var a = new RunAnalyzer("r");
        var rng = new Random(4);
        for (var step = 0; step < 300; step++)
        {
            a.ObserveScalar("train/loss", step, step, 0.5 * Math.Exp(0.1 * Synthetic.Normal(rng)));
        }

        a.ObserveScalar("train/loss", 300, 300, 10);
        a.ObserveScalar("train/loss", 301, 301, 30);
        a.ObserveScalar("train/loss", 302, 302, 75);
        a.ObserveScalar("train/loss", 303, 303, double.NaN);
        Assert.Equal([AlertKind.Divergence, AlertKind.NanInf], a.Alerts.Select(x => x.Kind));
        Assert.Equal(302, a.Alerts[0].Step);
    }

    private static RunAnalyzer Feed(int seed, bool stays)
    {
        var a = new RunAnalyzer("r");
        var rng = new Random(seed);
        for (var step = 0; step < 600; step++)
        {
            var v = (0.1 + (2 * Math.Exp(-step / 100.0))) * Math.Exp(0.1 * Synthetic.Normal(rng));
            var k = step - 300;
            var factor = k < 0 ? 1 : k < Surge.Length ? Surge[k] : stays ? Surge[^1] : 1;
            a.ObserveScalar("train/loss", step, step, v * factor);
        }

        a.Complete();
        return a;
    }
}
