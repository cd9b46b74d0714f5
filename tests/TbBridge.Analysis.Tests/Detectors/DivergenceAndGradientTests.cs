using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

public sealed class DivergenceAndGradientTests
{
    [Fact]
    public void ObserveScalar_LossGrowsGeometricallyThenNan_DivergenceBeforeNan()
    {
        var a = new HealthyRun { Seed = 5, TrainLoss = (s, v) => s < 400 ? v : s < 410 ? v * Math.Pow(8, s - 399) : double.NaN }
            .Feed(new RunAnalyzer("r"));
        var divergence = a.AssertSingle(AlertKind.Divergence);
        var nan = a.AssertSingle(AlertKind.NanInf);
        Assert.Equal(AlertSeverity.Critical, divergence.Severity);
        Assert.True(divergence.Step < nan.Step, $"divergence at {divergence.Step}, NaN at {nan.Step}");
        Assert.InRange(divergence.Step, 401, 404);
    }

    [Fact]
    public void ObserveScalar_LossRunsAwayFromTheFirstSteps_DivergenceBeforeNan()
    {
        var a = new RunAnalyzer("r");
        double[] losses = [1.38, 6.4, 1522, 4.6e5, 2e17, double.NaN];
        for (var s = 0; s < losses.Length; s++)
        {
            a.ObserveScalar("Loss/train", s, s, losses[s]);
        }

        Assert.Equal(3, a.AssertSingle(AlertKind.Divergence).Step);
        Assert.Equal(5, a.AssertSingle(AlertKind.NanInf).Step);
    }

    [Fact]
    public void ObserveScalar_LossClimbsSlowlyAboveItsStart_Divergence()
    {
        var a = new HealthyRun { Seed = 6, Steps = 2000, TrainLoss = (s, v) => s < 800 ? v : v * Math.Exp((s - 800) / 150.0) }
            .Feed(new RunAnalyzer("r"));
        Assert.InRange(a.AssertSingle(AlertKind.Divergence).Step, 900, 1500);
    }

    [Fact]
    public void ObserveScalar_LossZigZagsUpWhileTheLrWarmsUp_DivergenceOnceItsLevelIsFarAboveItsStart()
    {
        // A learning rate too high for the model, reached through a warm-up: the loss never rises three points in a row
        // (the fast rule) and is far above its start long before a best level could be taken (the slow rule).
        var rng = new Random(3);
        var a = new RunAnalyzer("r");
        for (var s = 0; s < 200; s++)
        {
            var trend = 1.39 * Math.Min(15, Math.Exp(s / 12.0));
            var zigzag = s % 2 == 0 ? 1.6 : 0.6;
            a.ObserveScalar("train/lr", s, s, Math.Min(1, (s + 1) / 30.0));
            a.ObserveScalar("train/loss", s, s, trend * zigzag * Math.Exp(0.2 * Synthetic.Normal(rng)));
        }

        var alert = a.AssertSingle(AlertKind.Divergence);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        Assert.InRange(alert.Step, 32, 60);
        Assert.True(alert.Evidence["ratio"] >= 5);
    }

    [Fact]
    public void ObserveScalar_LossRisesDuringWarmupThenLearns_NoDivergence()
    {
        // Twice its start for a while, then training proceeds: a rough warm-up, not a divergence.
        var a = new HealthyRun { Seed = 21, TrainLoss = (s, v) => s is > 10 and < 80 ? 2 * 2.3 : v }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Divergence);
    }

    [Fact]
    public void ObserveScalar_AnAuxiliaryLossRisesByDesign_NoDivergence()
    {
        // A KL term under annealing starts near zero and grows tenfold; the main loss falls. Only the main loss is judged.
        var a = new RunAnalyzer("r");
        var rng = new Random(4);
        for (var s = 0; s < 600; s++)
        {
            a.ObserveScalar("train/loss", s, s, (0.2 + (2 * Math.Exp(-s / 100.0))) * Math.Exp(0.1 * Synthetic.Normal(rng)));
            a.ObserveScalar("train/kl_loss", s, s, 0.01 + (0.2 * (1 - Math.Exp(-s / 150.0))));
        }

        a.Complete();
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Divergence);
    }

    [Fact]
    public void ObserveScalar_GradNormAboveAbsoluteCeiling_ExplodingOnThatStep()
    {
        var a = new HealthyRun { Seed = 7, GradNorm = (s, g) => s == 0 ? 6.9e9 : g }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.ExplodingGradients);
        Assert.Equal(0, alert.Step);
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
    }

    [Fact]
    public void ObserveScalar_GradNormGrowsByOrdersOfMagnitude_Exploding()
    {
        var a = new HealthyRun { Seed = 8, GradNorm = (s, g) => s < 300 ? g : g * Math.Pow(5, Math.Min(s - 299, 5)) }.Feed(new RunAnalyzer("r"));
        Assert.InRange(a.AssertSingle(AlertKind.ExplodingGradients).Step, 301, 306);
    }

    [Fact]
    public void ObserveScalar_GradNormGrowsFromTheFirstStepsBelowTheCeiling_Exploding()
    {
        var a = new RunAnalyzer("r");
        double[] norms = [0.5, 4, 60, 900, 8000, double.NaN];
        for (var s = 0; s < norms.Length; s++)
        {
            a.ObserveScalar("GradNorm", s, s, norms[s]);
        }

        Assert.Equal(4, a.AssertSingle(AlertKind.ExplodingGradients).Step);
    }

    [Fact]
    public void ObserveScalar_RepeatedGradNormSpikes_Exploding()
    {
        var a = new HealthyRun { Seed = 9, GradNorm = (s, g) => s is 300 or 330 or 360 ? g * 50 : g }.Feed(new RunAnalyzer("r"));
        Assert.Equal(360, a.AssertSingle(AlertKind.ExplodingGradients).Step);
    }

    [Fact]
    public void ObserveScalar_OneGradNormSpike_NotExploding()
    {
        var a = new HealthyRun { Seed = 9, GradNorm = (s, g) => s == 300 ? g * 50 : g }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.ExplodingGradients);
    }

    [Fact]
    public void ObserveScalar_FirstLayersGradientsOrdersSmallerAndLossFlat_Vanishing()
    {
        var a = new HealthyRun
        {
            Seed = 10,
            Tau = 1e9,
            StartLoss = 1.39,
            LayerGradRms = (i, _) => Math.Pow(10, -12 + (3 * i)),
        }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.VanishingGradients);
        Assert.True(alert.Evidence["ratio"] < 1e-5);
        Assert.Contains("conv1", alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ObserveScalar_SameGradientSpreadButLossLearning_NotVanishing()
    {
        var a = new HealthyRun { Seed = 10, LayerGradRms = (i, _) => Math.Pow(10, -12 + (3 * i)) }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.VanishingGradients);
    }

    [Fact]
    public void ObserveScalar_GlobalGradNormVanishedAndLossFlat_Vanishing()
    {
        var a = new HealthyRun { Seed = 11, Tau = 1e9, GradNorm = (_, g) => g * 1e-10 }.Feed(new RunAnalyzer("r"));
        a.AssertSingle(AlertKind.VanishingGradients);
    }
}
