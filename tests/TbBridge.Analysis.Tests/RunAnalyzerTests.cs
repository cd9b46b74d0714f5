namespace TbBridge.Analysis.Tests;

public sealed class RunAnalyzerTests
{
    [Fact]
    public void Complete_NoLossAmongTags_InfoUnrecognizedSignals()
    {
        var a = new RunAnalyzer("r");
        for (long s = 0; s < 50; s++)
        {
            a.ObserveScalar("metric_a", s, s, 1.0 / (s + 1));
            a.ObserveScalar("thing/b", s, s, s);
        }

        a.Complete();
        var alert = Assert.Single(a.Alerts);
        Assert.Equal(AlertKind.UnrecognizedSignals, alert.Kind);
        Assert.Equal(AlertSeverity.Info, alert.Severity);
        Assert.Contains("metric_a", alert.Tags);
    }

    [Fact]
    public void ObserveScalar_AfterComplete_Throws()
    {
        var a = new RunAnalyzer("r");
        a.Complete();
        Assert.Throws<InvalidOperationException>(() => a.ObserveScalar("loss", 1, 1, 1));
    }

    [Fact]
    public void ObserveScalar_SameConditionRepeated_OneAlertPerKindAndSubject()
    {
        var a = new RunAnalyzer("r");
        for (long s = 0; s < 100; s++)
        {
            a.ObserveScalar("loss", s, s, double.NaN);
            a.ObserveScalar("grad_norm", s, s, 1e9);
        }

        Assert.Single(a.Alerts, x => x.Kind == AlertKind.NanInf);
    }

    [Fact]
    public void RunAnalyzer_KerasValidationRun_TreatsEpochLossAsHeldOut()
    {
        var a = new RunAnalyzer("fit/20240101/validation");
        a.ObserveScalar("epoch_loss", 0, 0, 1);
        Assert.Equal(SignalRole.ValLoss, a.RoleOf("epoch_loss"));
        var t = new RunAnalyzer("fit/20240101/train");
        t.ObserveScalar("epoch_loss", 0, 0, 1);
        Assert.Equal(SignalRole.TrainLoss, t.RoleOf("epoch_loss"));
    }

    [Fact]
    public void Alert_Severity_WireNames() =>
        Assert.Equal(["info", "warning", "critical"], Enum.GetValues<AlertSeverity>().Select(s => s.ToWireString()));

    [Fact]
    public void AnalysisOptions_Invalid_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RunAnalyzer("r", new AnalysisOptions { SpikeFactor = 0.5 }));
}
