using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Oscillation under a clipped, too-high learning rate, seen in epoch means: the loss jumps across an order of magnitude
/// and back without a trend (clipping keeps it from diverging). Healthy epoch curves span decades too, but downwards.
/// </summary>
public sealed class EpochSwingTests
{
    private static readonly double[] Swings = [1, 1.3, 0.8, 6, 1.1, 0.7, 1.4, 14, 2, 0.9, 1, 0.6, 4, 1.2, 0.8, 9, 1.5, 0.9, 1.1, 0.7, 5, 1, 0.8, 1.3];

    [Theory]
    [InlineData(1, 0.6)]
    [InlineData(2, 0.3)]
    [InlineData(3, 1.2)]
    public void ObserveScalar_EpochLossSwingsAcrossADecadeWithoutATrend_Oscillation(int seed, double level)
    {
        var a = new EpochFit { Seed = seed, Epochs = 24, Noise = 0.1, TrainLoss = e => level * Swings[(int)e] }.Feed(new RunAnalyzer("fit"));
        var alert = a.AssertSingle(AlertKind.Oscillation);
        Assert.Equal("train/epoch_loss", alert.Tag);
        a.AssertOnly(AlertKind.Oscillation, AlertKind.LossSpike);
        Assert.True(alert.Evidence["range"] >= 10);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_HealthyEpochCurves_NoOscillation(int seed)
    {
        // Falls two decades; a step schedule; cosine to zero; warm restarts every 8 epochs (the loss jumps back up with the LR).
        new EpochFit { Seed = seed, Epochs = 40, TrainLoss = e => 0.01 + (2.3 * Math.Exp(-e / 3)), ValLoss = e => 0.05 + (2 * Math.Exp(-e / 3.0)) }.Feed(new RunAnalyzer("fit")).AssertQuiet();
        new EpochFit { Seed = seed, Epochs = 40, TrainLoss = e => 1.2 * Math.Pow(0.3, Math.Floor(e / 10)) }.Feed(new RunAnalyzer("fit")).AssertQuiet();
        new EpochFit { Seed = seed, Epochs = 40, LearningRate = e => Synthetic.CosineLr(e, 40, 3, 0.1) }.Feed(new RunAnalyzer("fit")).AssertQuiet();
        new EpochFit
        {
            Seed = seed,
            Epochs = 40,
            TrainLoss = e => 0.02 + (1.5 * Math.Exp(-(e % 8) * 1.2)),
            LearningRate = e => Synthetic.CosineLr(e % 8, 8, 1, 0.1),
        }.Feed(new RunAnalyzer("fit")).AssertQuiet();
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void ObserveScalar_NoisyEpochMeansOfFewBatches_NoOscillation(int seed)
    {
        // Four batches per epoch of a noisy loss: the epoch mean itself wanders, independently from epoch to epoch.
        new EpochFit { Seed = seed, Epochs = 60, BatchesPerEpoch = 4, Noise = 0.5, TrainLoss = e => 0.1 + Math.Exp(-e / 5) }.Feed(new RunAnalyzer("fit")).AssertQuiet();
    }
}
