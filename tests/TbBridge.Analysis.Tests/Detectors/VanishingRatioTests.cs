using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>Vanishing gradients at per-parameter ratios of about 10^3 (first layers against the last), only while the loss is stalled.</summary>
public sealed class VanishingRatioTests
{
    private static double Rms(int layer, double firstOverLast) => 1e-3 * Math.Pow(firstOverLast, (3 - layer) / 3.0);

    [Theory]
    [InlineData(31, 8e-4)]
    [InlineData(32, 2e-4)]
    public void ObserveScalar_FirstLayersThousandsOfTimesSmallerAndLossStalled_VanishingGradients(int seed, double ratio)
    {
        var a = new HealthyRun { Seed = seed, Tau = 1e12, Noise = 0.05, LayerGradRms = (i, _) => Rms(i, ratio) }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.VanishingGradients);
        Assert.InRange(alert.Evidence["ratio"], ratio / 3, ratio * 3);
        a.AssertOnly(AlertKind.VanishingGradients, AlertKind.Plateau);
    }

    [Theory]
    [InlineData(33)]
    [InlineData(34)]
    public void ObserveScalar_SameSpreadWhileTheLossLearns_NotVanishing(int seed)
    {
        new HealthyRun { Seed = seed, LayerGradRms = (i, _) => Rms(i, 5e-4) }.Feed(new RunAnalyzer("r")).AssertQuiet();
    }

    [Fact]
    public void ObserveScalar_HundredfoldSpreadAndLossStalled_NotVanishing()
    {
        var a = new HealthyRun { Seed = 35, Tau = 1e12, Noise = 0.05, LayerGradRms = (i, _) => Rms(i, 1e-2) }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.VanishingGradients);
    }
}
