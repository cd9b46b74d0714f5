using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Issue 22, fold A: a batch loss with a heavy tail, a spike on a steeply falling curve, a loss that jumps to a new
/// level, a gradient norm that grows tenfold as a network leaves its flat start, and main losses that never learned in
/// fewer than 400 points.
/// </summary>
public sealed class HeavyTailAndLocalLevelTests
{
    [Fact]
    public void ObserveScalar_HeavyTailedBatchLoss_NoSpikeNorOscillation()
    {
        // Heavy dropout: a quarter of the batches cost 1.5-3x the usual 2.3, many robust sigmas of a quiet median.
        var rng = new Random(7);
        var a = new RunAnalyzer("r");
        for (long step = 0; step < 344; step++)
        {
            var loss = 2.3 * Math.Exp(0.02 * Synthetic.Normal(rng)) * (rng.NextDouble() < 0.25 ? 1.5 + (1.5 * rng.NextDouble()) : 1);
            a.ObserveScalar("train/loss", step, step, loss);
        }

        a.Complete();
        Assert.DoesNotContain(a.Alerts, x => x.Kind is AlertKind.LossSpike or AlertKind.Oscillation);
    }

    [Fact]
    public void ObserveScalar_SpikeOnASteeplyFallingLightningLoss_IsASpike()
    {
        // Logged every 5 steps, falling two decades in 45 points: the ring's spread is the trend, the newest 20 points' is not.
        var rng = new Random(3);
        var a = new RunAnalyzer("r");
        for (var i = 0; i < 68; i++)
        {
            var loss = ((2.3 * Math.Exp(-i / 8.0)) + 0.02) * Math.Exp(0.3 * Synthetic.Normal(rng));
            a.ObserveScalar("train_loss_step", (5 * i) + 4, i, i == 45 ? 96.4 : loss);
        }

        a.Complete();
        Assert.Equal(229, a.AssertSingle(AlertKind.LossSpike).Step);
    }

    [Fact]
    public void ObserveScalar_LossJumpsToANewLevelAndStays_DivergenceNotASpike()
    {
        // A fine-tune at 0.1 whose loss rises 15x at step 200 and stays: the point never comes back.
        var rng = new Random(5);
        var a = new RunAnalyzer("r");
        for (long step = 0; step < 344; step++)
        {
            var loss = (step < 200 ? 0.1 : 1.5) * Math.Exp(0.1 * Synthetic.Normal(rng));
            a.ObserveScalar("train/loss", step, step, loss);
        }

        a.Complete();
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.LossSpike);
        Assert.Contains(a.Alerts, x => x.Kind == AlertKind.Divergence);
    }

    [Fact]
    public void ObserveScalar_GradNormGrowsTenfoldLeavingAFlatStart_NotExploding()
    {
        // A CNN leaves its flat start at step 30: its norm grows from 0.3 to 3 over 20 steps and stays, while the loss falls.
        var rng = new Random(11);
        var a = new RunAnalyzer("r");
        for (long step = 0; step < 344; step++)
        {
            var level = 0.3 * Math.Pow(10, Math.Clamp((step - 30) / 20.0, 0, 1));
            a.ObserveScalar("train/loss", step, step, (0.1 + (2.2 * Math.Exp(-Math.Max(0, step - 30) / 60.0))) * Math.Exp(0.2 * Synthetic.Normal(rng)));
            a.ObserveScalar("grad_norm", step, step, level * Math.Exp(0.35 * Synthetic.Normal(rng)));
        }

        a.Complete();
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.ExplodingGradients);
    }

    [Fact]
    public void ObserveScalar_RepeatedGradientBurstsAboveASteadyNorm_Exploding()
    {
        var rng = new Random(11);
        var a = new RunAnalyzer("r");
        for (long step = 0; step < 344; step++)
        {
            a.ObserveScalar("train/loss", step, step, (0.1 + (2.2 * Math.Exp(-step / 60.0))) * Math.Exp(0.2 * Synthetic.Normal(rng)));
            a.ObserveScalar("grad_norm", step, step, (step is 100 or 120 or 140 ? 300 : 1) * Math.Exp(0.2 * Synthetic.Normal(rng)));
        }

        a.Complete();
        Assert.Equal(140, a.AssertSingle(AlertKind.ExplodingGradients).Step);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Complete_MainLossNeverCameDownIn344Steps_Plateau(int every)
    {
        // A too-high learning rate: the loss rises from 2.2 and thrashes at 2.45, per step or every 5 steps (Lightning).
        var rng = new Random(9);
        var a = new RunAnalyzer("r");
        var tag = every == 1 ? "train/loss" : "train_loss_step";
        for (long step = every - 1; step < 344; step += every)
        {
            var loss = (step < 6 ? 2.2 : 2.45) * Math.Exp(0.08 * Synthetic.Normal(rng));
            a.ObserveScalar(tag, step, step, loss);
        }

        a.Complete();
        var alert = a.AssertSingle(AlertKind.Plateau);
        Assert.Equal(tag, alert.Tag);
    }

    [Fact]
    public void Complete_NoisyFineTuneStartingNearItsBest_NoPlateau()
    {
        var rng = new Random(9);
        var a = new RunAnalyzer("r");
        for (long step = 0; step < 344; step++)
        {
            var loss = (0.05 + (0.04 * Math.Exp(-step / 100.0))) * Math.Exp(0.5 * Synthetic.Normal(rng));
            a.ObserveScalar("train/loss", step, step, loss);
        }

        a.Complete();
        a.AssertQuiet();
    }
}
