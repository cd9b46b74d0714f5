using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

public sealed class PlateauAndOverfittingTests
{
    [Fact]
    public void ObserveScalar_LossNeverMoves_PlateauOnTrainAndHeldOut()
    {
        var a = new HealthyRun { Seed = 16, Tau = 1e12, StartLoss = 2.3026, Noise = 0.05 }.Feed(new RunAnalyzer("r"));
        var plateaus = a.Alerts.Where(x => x.Kind == AlertKind.Plateau).ToList();
        Assert.Contains(plateaus, x => x.Tag == "train/loss");
        Assert.Contains(plateaus, x => x.Tag == "val/loss");
        Assert.All(plateaus, x => Assert.Equal(AlertSeverity.Warning, x.Severity));
    }

    [Fact]
    public void ObserveScalar_FlatLossDuringLrWarmup_NoPlateauUntilTheLrSettles()
    {
        var a = new HealthyRun { Seed = 16, Steps = 400, Tau = 1e12, Lr = s => 1e-3 * (s + 1) / 400, Noise = 0.05 }.Feed(new RunAnalyzer("r"), complete: false);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Plateau);
    }

    [Fact]
    public void Complete_ShortFlatRun_PlateauAtTheEnd()
    {
        var a = new HealthyRun { Seed = 17, Steps = 120, Tau = 1e12, Noise = 0.05 }.Feed(new RunAnalyzer("r"), complete: false);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Plateau);
        a.Complete();
        Assert.Contains(a.Alerts, x => x.Kind == AlertKind.Plateau && x.Tag == "train/loss");
    }

    [Theory]
    [InlineData(21, 0.25, 1000, 399, 999)]
    [InlineData(22, 0.25, 1000, 399, 999)]
    [InlineData(23, 1.0, 5000, 399, 4999)] // batch-of-8 noise: it can take long halves to tell a stall from slow progress
    public void ObserveScalar_LossLearnsALittleThenStalls_PlateauOnTheTrainingLoss(int seed, double noise, long steps, long from, long to)
    {
        // Comes down 12% in its first ~150 steps (a GRU with saturated gates), then nothing more.
        var a = new HealthyRun { Seed = seed, Noise = noise, Steps = steps, StartLoss = 2.3, FloorLoss = 2.3 * 0.88, Tau = 40 }.Feed(new RunAnalyzer("r"));
        var plateau = a.AssertSingle(AlertKind.Plateau);
        Assert.Equal("train/loss", plateau.Tag);
        Assert.Equal(AlertSeverity.Warning, plateau.Severity);
        Assert.InRange(plateau.Step, from, to);
        Assert.Contains("came down only", plateau.Message, StringComparison.Ordinal);
        Assert.True(plateau.Evidence["improvement"] < 0.2);
    }

    [Theory]
    [InlineData(24, 0.25)]
    [InlineData(25, 0.25)]
    [InlineData(26, 1.0)]
    [InlineData(27, 1.0)]
    public void ObserveScalar_SlowButSteadyLearner_NoPlateau(int seed, double noise)
    {
        // 2,000 steps to come down 64%, 20% in its first 450: slow, but it never stops coming down.
        var a = new HealthyRun { Seed = seed, Noise = noise, Steps = 2000, StartLoss = 2.3, FloorLoss = 0.05, Tau = 2000 }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Plateau);
    }

    [Fact]
    public void ObserveScalar_LearnsALittleThenStallsWhileTheLrWarmsUp_NoPlateauUntilItSettles()
    {
        var a = new HealthyRun { Seed = 28, Steps = 800, StartLoss = 2.3, FloorLoss = 2.3 * 0.88, Tau = 40, Lr = s => 1e-3 * (s + 1) / 800 }
            .Feed(new RunAnalyzer("r"), complete: false);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Plateau);
    }

    [Fact]
    public void ObserveScalar_HeldOutLossTurnsUpWhileTrainingFalls_Overfitting()
    {
        var a = new HealthyRun
        {
            Seed = 18,
            Steps = 1500,
            FloorLoss = 1e-4,
            Tau = 60,
            ValLoss = (s, _) => s < 200 ? 1.4 - (0.5 * s / 200) : 0.9 + (0.7 * Math.Min(1, (s - 200) / 300.0)),
        }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.Overfitting);
        Assert.Equal("val/loss", alert.Tag);
        Assert.Contains("train/loss", alert.Tags);
        Assert.InRange(alert.Step, 260, 600);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Plateau);
    }

    [Fact]
    public void ObserveScalar_HeldOutAndTrainingRiseTogether_NotOverfitting()
    {
        var a = new HealthyRun
        {
            Seed = 19,
            Steps = 1500,
            TrainLoss = (s, v) => s < 600 ? v : v * (1 + ((s - 600) / 100.0)),
            ValLoss = (s, clean) => s < 600 ? (1.3 * clean) + 0.05 : ((1.3 * clean) + 0.05) * (1 + ((s - 600) / 100.0)),
        }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Overfitting);
    }
}
