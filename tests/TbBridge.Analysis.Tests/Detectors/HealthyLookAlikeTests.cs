using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>Healthy runs that look like faults to naive rules: none may raise a warning or critical alert.</summary>
public sealed class HealthyLookAlikeTests
{
    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ConstantLr_Converging_IsQuiet(int seed) =>
        new HealthyRun { Seed = seed }.Feed(new RunAnalyzer("constant")).AssertQuiet();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void CosineWithWarmup_IsQuiet(int seed) =>
        new HealthyRun { Seed = seed, Steps = 2000, Tau = 300, Lr = s => Synthetic.CosineLr(s, 2000, 200, 0.003) }
            .Feed(new RunAnalyzer("cosine")).AssertQuiet();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void StepSchedule_LossDropsAtEachDecay_IsQuiet(int seed) =>
        new HealthyRun
        {
            Seed = seed,
            Steps = 1500,
            Tau = 150,
            FloorLoss = 0.6,
            Lr = s => 0.1 * Math.Pow(0.1, s / 500),
            TrainLoss = (s, v) => v * Math.Pow(0.5, s / 500),
            ValLoss = (s, clean) => ((1.1 * clean) + 0.05) * Math.Pow(0.5, s / 500),
        }.Feed(new RunAnalyzer("step")).AssertQuiet();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void NoisySmallBatchLoss_IsQuiet(int seed) =>
        new HealthyRun { Seed = seed, Steps = 2000, Noise = 1.0, FloorLoss = 0.02, GradNorm = (_, g) => g * Math.Exp(0.6 * Synthetic.Normal(new Random(seed))) }
            .Feed(new RunAnalyzer("noisy")).AssertQuiet();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void LossPlateausAfterConverging_IsQuiet(int seed) =>
        new HealthyRun { Seed = seed, Steps = 4000, Tau = 40, FloorLoss = 0.3, Noise = 0.1 }
            .Feed(new RunAnalyzer("converged")).AssertQuiet();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void LongWarmupWithFlatStart_IsQuiet(int seed) =>
        new HealthyRun
        {
            Seed = seed,
            Steps = 2000,
            Lr = s => s < 600 ? 1e-3 * s / 600 : 1e-3,
            TrainLoss = (s, v) => s < 600 ? 2.3 * Math.Exp(0.05 * Synthetic.Normal(new Random((int)s))) : v,
            Tau = 200,
        }.Feed(new RunAnalyzer("warmup")).AssertQuiet();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MildValidationRiseLateInTraining_IsQuiet(int seed) =>
        new HealthyRun
        {
            Seed = seed,
            Steps = 1500,
            ValLoss = (s, clean) => (1.2 * clean) + 0.15 + (0.1 * s / 1500.0),
        }.Feed(new RunAnalyzer("mild")).AssertQuiet();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void NoisyHeldOutLossOnASmallBatch_IsQuiet(int seed)
    {
        var rng = new Random(seed * 31);
        new HealthyRun { Seed = seed, Steps = 3000, ValEvery = 10, ValLoss = (_, clean) => ((1.3 * clean) + 0.05) * Math.Exp(0.45 * Synthetic.Normal(rng)) }
            .Feed(new RunAnalyzer("noisy-val")).AssertQuiet();
    }

    [Fact]
    public void PerEpochLogging_IsQuiet()
    {
        var a = new RunAnalyzer("epochs");
        var rng = new Random(3);
        for (long e = 0; e < 40; e++)
        {
            var clean = 0.2 + (2.1 * Math.Exp(-e / 6.0));
            a.ObserveScalar("epoch_loss", e, e, clean * Math.Exp(0.03 * Synthetic.Normal(rng)));
            a.ObserveScalar("epoch_val_loss", e, e, ((1.1 * clean) + 0.05) * Math.Exp(0.03 * Synthetic.Normal(rng)));
            a.ObserveScalar("epoch_accuracy", e, e, 1 - (clean / 2.5));
        }

        a.Complete();
        a.AssertQuiet();
    }

    [Fact]
    public void BiasGradientsExactlyZeroUnderBatchNorm_IsQuiet() =>
        new HealthyRun { Seed = 4, Layers = ["conv1.bias", "bn1.weight", "conv2.weight", "fc.weight", "conv1.weight"], LayerGradRms = (i, _) => i == 0 ? 1e-14 : 1e-3 }
            .Feed(new RunAnalyzer("bn")).AssertQuiet();

    [Fact]
    public void HealthyRun_DeterministicAlerts()
    {
        var run = new HealthyRun { Seed = 9, Noise = 0.5, TrainLoss = (s, v) => s == 700 ? v * 1000 : v };
        var first = run.Feed(new RunAnalyzer("d")).Alerts;
        var second = run.Feed(new RunAnalyzer("d")).Alerts;
        Assert.Equal(first.Select(a => (a.Kind, a.Step, a.Message)), second.Select(a => (a.Kind, a.Step, a.Message)));
        Assert.NotEmpty(first);
    }
}
