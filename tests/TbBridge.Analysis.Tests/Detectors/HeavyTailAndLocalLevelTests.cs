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
    public void ObserveScalar_DoublingOfALossThatJumpedFifteenfoldEarlier_NoSpike()
    {
        // A too-high learning rate: the loss jumped 15-25x at steps 7 and 13, then thrashes at 2.5; at step 59 it doubles.
        var rng = new Random(4);
        var a = new RunAnalyzer("r");
        for (long step = 0; step < 120; step++)
        {
            var loss = 2.5 * Math.Exp(0.08 * Synthetic.Normal(rng)) * (step switch { 7 => 15, 13 => 25, 59 => 2.1, _ => 1 });
            a.ObserveScalar("train/loss", step, step, loss);
        }

        a.Complete();
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.LossSpike);
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
    public void ObserveScalar_TrainerLossRisesFifteenfoldAndStays_Divergence()
    {
        // The Trainer's loss every 10 steps, 30 points: 0.5, then 7.5 from its 11th point on while the clipped norm stays at 1.
        var rng = new Random(8);
        var a = new RunAnalyzer("r");
        for (var i = 1; i <= 30; i++)
        {
            a.ObserveScalar("train/loss", 10 * i, i, (i <= 10 ? 0.5 : 7.5) * Math.Exp(0.05 * Synthetic.Normal(rng)));
            a.ObserveScalar("train/grad_norm", 10 * i, i, Math.Exp(0.05 * Synthetic.Normal(rng)));
        }

        a.Complete();
        Assert.Equal("train/loss", a.AssertSingle(AlertKind.Divergence).Tag);
    }

    [Fact]
    public void ObserveScalar_TrainerLossFalling_NoDivergence()
    {
        var rng = new Random(8);
        var a = new RunAnalyzer("r");
        for (var i = 1; i <= 30; i++)
        {
            a.ObserveScalar("train/loss", 10 * i, i, ((2.2 * Math.Exp(-i / 6.0)) + 0.1) * Math.Exp(0.1 * Synthetic.Normal(rng)));
        }

        a.Complete();
        a.AssertQuiet();
    }

    [Fact]
    public void ObserveScalar_GradNormGrowsTenfoldLeavingAFlatStart_NotExploding()
    {
        // The first 100 global norms of a healthy CNN under step decay (corpus fold A, cnn-plain-step-decay): flat at 0.3
        // until step 35, then 2 with bursts to 8 as the network leaves its flat start.
        double[] norms = [0.3141, 0.2175, 0.1895, 0.2921, 0.2432, 0.2598, 0.1477, 0.3073, 0.2018, 0.234, 0.2584, 0.2419, 0.2933, 0.1633, 0.2584, 0.1534, 0.309, 0.1925, 0.2594, 0.2381, 0.2335, 0.294, 0.3065, 0.3513, 0.3023, 0.2398, 0.3796, 0.2763, 0.4504, 0.3201, 0.5471, 0.472, 0.4792, 0.5714, 0.5659, 0.8986, 1.061, 1.086, 1.02, 1.018, 1.556, 2.153, 4.396, 7.636, 7.831, 2.622, 2.945, 2.932, 1.95, 1.662, 1.924, 1.724, 2.026, 1.621, 3.472, 3.031, 7.222, 2.829, 2.379, 4.14, 3.011, 1.968, 2.048, 2.486, 1.727, 2.924, 2.092, 2.863, 1.478, 2.606, 1.936, 2.266, 3.272, 2.606, 3.042, 2.782, 1.97, 1.729, 1.098, 1.674, 1.343, 1.801, 1.858, 2.261, 2.135, 23.23, 10.94, 8.89, 3.225, 5.632, 3.327, 2.268, 2.429, 2.174, 1.741, 1.559, 2.191, 1.404, 1.467, 2.324];
        var a = new RunAnalyzer("r");
        for (var step = 0; step < norms.Length; step++)
        {
            a.ObserveScalar("grad_norm", step, step, norms[step]);
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
