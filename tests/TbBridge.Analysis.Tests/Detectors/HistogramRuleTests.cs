using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

public sealed class HistogramRuleTests
{
    [Fact]
    public void ObserveHistogram_LayerOutputsAllZeroAndLossFlat_DeadRelu()
    {
        var a = new HealthyRun { Seed = 20, Tau = 1e12, ZeroFraction = (i, _) => i == 1 ? 1.0 : 0.5 }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.DeadRelu);
        Assert.Equal("conv2", alert.Subject);
        Assert.Equal(40, alert.Step);
    }

    [Fact]
    public void ObserveScalar_WeightGradientsExactlyZeroAndLossFlat_DeadReluWithoutActivations()
    {
        var a = new HealthyRun { Seed = 25, Tau = 1e12, LayerGradRms = (i, _) => i < 3 ? 0 : 1e-3 }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.DeadRelu);
        Assert.Equal("zero-gradients", alert.Subject);
        Assert.Equal(3, alert.Evidence["zero_gradient_tensors"]);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.VanishingGradients);
    }

    [Fact]
    public void ObserveScalar_UnusedLayerWithZeroGradientsWhileLearning_NotDeadRelu()
    {
        var a = new HealthyRun { Seed = 25, LayerGradRms = (i, _) => i == 0 ? 0 : 1e-3 }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.DeadRelu);
    }

    [Fact]
    public void ObserveHistogram_MostlyZeroButNetworkLearns_NotDeadRelu()
    {
        var a = new HealthyRun { Seed = 21, ZeroFraction = (_, _) => 0.97 }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.DeadRelu);
    }

    [Fact]
    public void ObserveHistogram_TanhLikeNegativeOutputs_NotDeadRelu()
    {
        var a = new RunAnalyzer("r");
        for (long s = 0; s < 10; s++)
        {
            a.ObserveHistogram("activations/tanh1", s * 20, s, new HistogramSnapshot(-1, -0.5, 100, -75, 60, [-0.75, -0.5], [50, 50]));
        }

        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.DeadRelu);
    }

    [Fact]
    public void ObserveHistogram_PredictionsCollapseAfterLearning_ClassCollapse()
    {
        var a = new HealthyRun { Seed = 22, Predictions = s => s < 600 ? Synthetic.Predictions(250, 260, 240, 274) : Synthetic.Predictions(0, 1024, 0, 0) }
            .Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.ClassCollapse);
        Assert.Equal(640, alert.Step);
    }

    [Fact]
    public void ObserveHistogram_MajorityClassFirstThenDiverse_NotClassCollapse()
    {
        var a = new HealthyRun
        {
            Seed = 26,
            Predictions = s => s == 0 ? Synthetic.Predictions(250, 260, 240, 274) : s < 200 ? Synthetic.Predictions(0, 980, 44, 0) : Synthetic.Predictions(250, 260, 240, 274),
        }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.ClassCollapse);
    }

    [Fact]
    public void ObserveHistogram_OneClassFromTheStartAndNoLearning_ClassCollapseFromTheStart()
    {
        var a = new HealthyRun { Seed = 23, Tau = 1e12, Predictions = _ => Synthetic.Predictions(0, 0, 1024, 0) }.Feed(new RunAnalyzer("r"));
        Assert.Contains(a.Alerts, x => x.Kind == AlertKind.ClassCollapse && x.Tag == "val/predictions" && x.Message.Contains("from the start", StringComparison.Ordinal));
    }

    [Fact]
    public void ObserveHistogram_ImbalancedDataPredictedSensibly_NotClassCollapse()
    {
        // 93% of the data is class 2 and the model predicts it for 93-95% of the inputs from the start, while it learns.
        var a = new HealthyRun { Seed = 23, Predictions = s => Synthetic.Predictions(20, 20 - (s % 7), 960 + (s % 7), 24) }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.ClassCollapse);
    }

    [Fact]
    public void Complete_WeightsNeverChange_WeightsUnchangedWarning()
    {
        var a = new HealthyRun { Seed = 24, WeightDrift = 0 }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.WeightsUnchanged);
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Equal(4, alert.Evidence["unchanged_tensors"]);
    }

    [Fact]
    public void Complete_OneFrozenTensor_InfoOnly()
    {
        var a = new RunAnalyzer("r");
        for (long s = 0; s < 5; s++)
        {
            a.ObserveHistogram("weights/backbone.weight", s * 20, s, Synthetic.Tensor(0.1));
            a.ObserveHistogram("weights/head.weight", s * 20, s, Synthetic.Tensor(0.1 + (0.01 * s)));
        }

        a.Complete();
        var alert = a.AssertSingle(AlertKind.WeightsUnchanged);
        Assert.Equal(AlertSeverity.Info, alert.Severity);
        Assert.Equal("weights/backbone.weight", alert.Tag);
    }

    [Fact]
    public void HistogramSnapshot_L2Norm_IsSqrtOfSumSquares() =>
        Assert.Equal(3.0, new HistogramSnapshot(0, 0, 1, 0, 9, [], []).L2Norm, 12);
}
