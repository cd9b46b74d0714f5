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
