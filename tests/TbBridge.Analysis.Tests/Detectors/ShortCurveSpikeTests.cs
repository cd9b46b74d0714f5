using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>Loss spikes on epoch-level curves (Keras: one point per epoch), which have too few points for a spread.</summary>
public sealed class ShortCurveSpikeTests
{
    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 12)]
    [InlineData(3, 16)]
    public void ObserveScalar_OneEpochHundredsOfTimesTheOthers_SpikeAtThatEpoch(int seed, int epoch)
    {
        var a = new EpochFit
        {
            Seed = seed,
            Epochs = 18,
            TrainLoss = e => (0.05 + (1.3 * Math.Exp(-e / 2))) * ((int)e == epoch ? 300 : 1),
        }.Feed(new RunAnalyzer("fit"));
        var alert = a.AssertSingle(AlertKind.LossSpike);
        Assert.Equal(("train/epoch_loss", epoch), (alert.Tag, alert.Step));
        a.AssertOnly(AlertKind.LossSpike);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ObserveScalar_HealthyEpochCurvesAndSchedules_NoSpike(int seed)
    {
        // A fast fall then flat; a step schedule (the loss halves at epochs 6 and 12); noisy small batches.
        new EpochFit { Seed = seed, Epochs = 18, TrainLoss = e => 0.02 + (2.3 * Math.Exp(-3 * e)) }.Feed(new RunAnalyzer("fit")).AssertQuiet();
        new EpochFit { Seed = seed, Epochs = 18, TrainLoss = e => 0.8 * Math.Pow(0.5, Math.Floor(e / 6)) }.Feed(new RunAnalyzer("fit")).AssertQuiet();
        new EpochFit { Seed = seed, Epochs = 18, Noise = 1, BatchesPerEpoch = 4 }.Feed(new RunAnalyzer("fit")).AssertQuiet();
    }

    [Fact]
    public void ObserveScalar_LossJumpsAfterAWarmRestart_NoSpike()
    {
        var a = new EpochFit
        {
            Epochs = 18,
            TrainLoss = e => e < 9 ? 0.02 + Math.Exp(-e) : 0.5 * Math.Exp(-(e - 9)),
            LearningRate = e => e < 9 ? 1e-3 * (9 - e) / 9 : 1e-2,
        }.Feed(new RunAnalyzer("fit"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.LossSpike);
    }
}
