using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

public sealed class NanInfTests
{
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void ObserveScalar_NonFiniteLoss_CriticalOnThatStep(double bad)
    {
        var a = new HealthyRun { Seed = 2, TrainLoss = (s, v) => s >= 350 ? bad : v }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.NanInf);
        Assert.Equal(350, alert.Step);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        Assert.Equal("train/loss", alert.Tag);
        Assert.Single(a.Alerts, x => x.Kind == AlertKind.NanInf);
    }

    [Fact]
    public void ObserveScalar_NonFiniteGradNormBeforeLoss_FiresOnGradNormStep()
    {
        var a = new HealthyRun { Seed = 3, GradNorm = (s, g) => s >= 200 ? double.PositiveInfinity : g, TrainLoss = (s, v) => s >= 201 ? double.NaN : v }
            .Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.NanInf);
        Assert.Equal(200, alert.Step);
        Assert.Equal("grad_norm/total", alert.Tag);
    }

    [Fact]
    public void ObserveHistogram_NanCount_FiresOnThatStep()
    {
        var a = new RunAnalyzer("r");
        a.ObserveHistogram("grads/fc1.weight", 10, 1, Synthetic.Tensor(1e-3));
        a.ObserveHistogram("grads/fc1.weight", 20, 2, Synthetic.Tensor(1e-3) with { NanCount = 3 });
        var alert = a.AssertSingle(AlertKind.NanInf);
        Assert.Equal(20, alert.Step);
        Assert.Equal(3, alert.Evidence["nan_count"]);
    }

    [Fact]
    public void ObserveHistogram_InfiniteBound_Fires()
    {
        var a = new RunAnalyzer("r");
        a.ObserveHistogram("weights/fc1.weight", 40, 1, Synthetic.Tensor(0.1) with { Max = double.PositiveInfinity });
        Assert.Equal(40, a.AssertSingle(AlertKind.NanInf).Step);
    }

    [Fact]
    public void ObserveScalar_OurNanCountScalar_FiresOnTheHistogramTag()
    {
        var a = new RunAnalyzer("r");
        a.ObserveScalar("grads/fc1.weight/nan_count", 5, 1, 0);
        a.ObserveScalar("grads/fc1.weight/nan_count", 6, 1, 12);
        var alert = a.AssertSingle(AlertKind.NanInf);
        Assert.Equal(6, alert.Step);
        Assert.Equal("grads/fc1.weight", alert.Tag);
    }

    [Fact]
    public void ObserveScalar_ValidationNanThenTrainingNan_ReportedOnceAtTheTrainingStep()
    {
        var a = new RunAnalyzer("r");
        a.ObserveScalar("train/loss", 0, 0, 4e8);
        a.ObserveScalar("val/loss", 0, 0, double.NaN);
        a.ObserveScalar("train/loss", 1, 1, double.NaN);
        a.ObserveScalar("train/loss", 2, 2, double.NaN);
        a.Complete();
        var alert = Assert.Single(a.Alerts, x => x.Kind == AlertKind.NanInf);
        Assert.Equal(1, alert.Step);
    }

    [Fact]
    public void ObserveScalar_ValidationNanWhileTrainingFinite_ReportedAtTheValidationStep()
    {
        var a = new RunAnalyzer("r");
        for (long s = 0; s < 50; s++)
        {
            a.ObserveScalar("train/loss", s, s, 1.0 / (s + 1));
            if (s == 20)
            {
                a.ObserveScalar("val/loss", s, s, double.NaN);
            }
        }

        var alert = a.AssertSingle(AlertKind.NanInf);
        Assert.Equal(20, alert.Step);
        Assert.Equal("validation", alert.Subject);
    }

    [Fact]
    public void ObserveScalar_NanInUnknownMetric_Ignored()
    {
        var a = new RunAnalyzer("r");
        a.ObserveScalar("train/loss", 0, 0, 1);
        a.ObserveScalar("custom/f1_undefined", 0, 0, double.NaN);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.NanInf);
    }

    [Fact]
    public void AlertRaised_DeliversTheSameAlertsInOrder()
    {
        var a = new RunAnalyzer("r");
        var seen = new List<Alert>();
        a.AlertRaised += seen.Add;
        new HealthyRun { Seed = 4, TrainLoss = (s, v) => s >= 300 ? double.NaN : v }.Feed(a);
        Assert.Equal(a.Alerts, seen);
        Assert.NotEmpty(seen);
    }
}
