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
    public void Complete_OnlyHparamsMetrics_NoAlert()
    {
        // PyTorch's add_hparams sub-run: its summary metrics, which no rule judges and no renaming would change.
        var a = new RunAnalyzer("exp/hparams-run");
        a.ObserveScalar("hparam/val_loss", 0, 1, 0.25);
        a.ObserveScalar("hparam/val_acc", 0, 1, 0.9);

        a.Complete();

        Assert.Empty(a.Alerts);
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
    public void RunAnalyzer_KerasValidationRun_TreatsEpochRecallAsHeldOut()
    {
        var a = new RunAnalyzer("fit/20240101/validation");
        a.ObserveScalar("epoch_recall", 0, 0, 0);
        Assert.Equal(SignalRole.ValClassScore, a.RoleOf("epoch_recall"));
        var t = new RunAnalyzer("fit/20240101/train");
        t.ObserveScalar("epoch_recall", 0, 0, 0);
        Assert.Equal(SignalRole.TrainClassScore, t.RoleOf("epoch_recall"));
    }

    [Fact]
    public void Observe_HostileValues_NeverThrowAndStayDeterministic()
    {
        static List<string> Run()
        {
            var rng = new Random(77);
            double[] specials = [0, -0.0, -1, 1e308, -1e308, double.Epsilon, double.NaN, double.PositiveInfinity, 1e-320];
            string[] tags = ["loss", "val_loss", "grad_norm", "grad_norm/fc.weight", "lr", "accuracy", "weird/tag"];
            var a = new RunAnalyzer("hostile");
            for (long s = 0; s < 3000; s++)
            {
                var step = rng.Next(10) == 0 ? s - rng.Next(100) : s; // resumed runs repeat steps
                var v = rng.Next(20) == 0 ? specials[rng.Next(specials.Length)] : Math.Exp(rng.NextDouble() * 10 - 5);
                a.ObserveScalar(tags[rng.Next(tags.Length)], step, s, v);
                if (s % 7 == 0)
                {
                    int n = rng.Next(0, 5);
                    var limits = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
                    var counts = Enumerable.Range(0, rng.Next(0, 5)).Select(_ => rng.NextDouble() * 10).ToArray();
                    var h = new HistogramSnapshot(rng.NextDouble() - 0.5, rng.NextDouble(), rng.Next(-1, 100), v, rng.NextDouble(), limits, counts);
                    string[] htags = ["grads/fc.weight", "weights/fc.weight", "activations/fc", "val/predictions", "other"];
                    a.ObserveHistogram(htags[rng.Next(htags.Length)], step, s, h);
                }
            }

            a.Complete();
            a.Complete();
            return [.. a.Alerts.Select(x => $"{x.Kind}@{x.Step}:{x.Message}")];
        }

        var first = Run();
        Assert.Equal(first, Run());
    }

    [Fact]
    public void Alert_Severity_WireNames() =>
        Assert.Equal(["info", "warning", "critical"], Enum.GetValues<AlertSeverity>().Select(s => s.ToWireString()));

    [Fact]
    public void AnalysisOptions_Invalid_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RunAnalyzer("r", new AnalysisOptions { SpikeFactor = 0.5 }));
}
