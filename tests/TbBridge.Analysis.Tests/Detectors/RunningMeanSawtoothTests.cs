using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Keras's <c>batch_loss</c> is the running mean since the epoch began: it restarts at every epoch, a sawtooth whose
/// first points of each epoch are one or a few batches' losses. That is not oscillation, nor spikes.
/// </summary>
public sealed class RunningMeanSawtoothTests
{
    [Theory]
    [InlineData(1, 1, 0.3)]
    [InlineData(2, 5, 0.3)]
    [InlineData(3, 1, 1.0)]
    [InlineData(4, 10, 0.6)]
    [InlineData(5, 2, 1.0)]
    public void ObserveScalar_RunningMeanBatchLossOfAHealthyFit_Quiet(int seed, int updateFreq, double noise)
    {
        new EpochFit
        {
            Seed = seed,
            Epochs = 30,
            BatchesPerEpoch = 40,
            UpdateFreq = updateFreq,
            Noise = noise,
            ValLoss = e => 0.06 + (1.2 * Math.Exp(-e / 3.0)),
            TrainAccuracy = e => Math.Min(0.97, 0.5 + (0.1 * e)),
            ValAccuracy = e => Math.Min(0.95, 0.5 + (0.09 * e)),
        }.Feed(new RunAnalyzer("fit")).AssertQuiet();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ObserveScalar_RunningMeanOfALossThatKeepsBlowingUp_Unstable(int seed)
    {
        // A too-high learning rate under clipping: every few epochs a batch blows the loss up 50x for a while.
        var a = new EpochFit
        {
            Seed = seed,
            Epochs = 30,
            BatchesPerEpoch = 40,
            UpdateFreq = 1,
            TrainLoss = e => 0.3 * (((int)(e * 4) % 10) == 3 ? 50 : 1),
            ValLoss = e => 0.3 * (e % 3 == 1 ? 40 : 1),
        }.Feed(new RunAnalyzer("fit"));
        Assert.Contains(a.Alerts, x => x.Kind == AlertKind.Oscillation);
    }
}
