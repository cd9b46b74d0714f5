using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Issue 22: a x200 loss spike on an epoch-level curve of tiny losses (a model that fits its data to 1e-3 and one
/// epoch's corrupted batches), on a loss whose tag says it is an epoch mean (Lightning's <c>train_loss_epoch</c>, Keras's
/// <c>epoch_loss</c>). A plain <c>loss</c> logged once an epoch cannot be told from one batch's loss logged every few steps.
/// </summary>
public sealed class EpochTinyLossSpikeTests
{
    [Theory]
    [InlineData("train_loss_epoch", 1)]
    [InlineData("train_loss_epoch", 2)]
    [InlineData("train/epoch_loss", 3)]
    [InlineData("epoch_loss", 4)]
    public void ObserveScalar_EpochCurveOfTinyLossesSpikes200x_LossSpike(string tag, int seed)
    {
        var a = Feed(tag, seed, spikeEpoch: 25);
        var alert = a.AssertSingle(AlertKind.LossSpike);
        Assert.Equal(25 * 43, alert.Step);
        a.AssertOnly(AlertKind.LossSpike);
    }

    [Theory]
    [InlineData("train_loss_epoch", 1)]
    [InlineData("loss", 2)]
    [InlineData("train/epoch_loss", 3)]
    public void ObserveScalar_EpochCurveOfTinyLosses_NoWarning(string tag, int seed) =>
        Feed(tag, seed, spikeEpoch: -1).AssertQuiet();

    private static RunAnalyzer Feed(string tag, int seed, int spikeEpoch)
    {
        var a = new RunAnalyzer("r");
        var rng = new Random(seed);
        for (var e = 0; e < 40; e++)
        {
            var step = e * 43L;
            var loss = (0.0008 + (0.3 * Math.Exp(-e / 2.5))) * Math.Exp(0.15 * Synthetic.Normal(rng));
            a.ObserveScalar(tag, step, step, e == spikeEpoch ? 200 * loss : loss);
        }

        a.Complete();
        return a;
    }
}
