using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Overfitting on epoch-level curves: the held-out loss a few percent above its best (its first evaluation, after one
/// epoch) and rising while the training loss goes to zero and the model fits the training set far better than the
/// held-out one; and the look-alike that is not it (the held-out loss creeps up while its accuracy keeps up).
/// </summary>
public sealed class OverfittingGapTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_MildRiseWithAWideAccuracyGap_Overfitting(int seed)
    {
        var a = new EpochFit
        {
            Seed = seed,
            TrainLoss = e => 1e-4 + Math.Exp(-2 * e),
            ValLoss = e => 0.9 * (1 + (0.02 * Math.Min(e, 5))),
            TrainAccuracy = e => Math.Min(1, 0.9 + (0.05 * e)),
            ValAccuracy = _ => 0.86,
        }.Feed(new RunAnalyzer("fit"));

        var alert = a.AssertSingle(AlertKind.Overfitting);
        Assert.Equal("validation/epoch_loss", alert.Tag);
        Assert.InRange(alert.Step, 2, 12);
        Assert.True(alert.Evidence["accuracy_gap"] >= 0.1);
        a.AssertOnly(AlertKind.Overfitting);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_HeldOutLossCreepsUpWhileItsAccuracyHolds_NotOverfitting(int seed)
    {
        // healthy-adam's picture: the held-out loss 1.35-1.7x its best, the accuracies 0.99 and 0.94.
        var a = new EpochFit
        {
            Seed = seed,
            ValLoss = e => e < 4 ? 0.4 - (0.06 * e) : 0.16 * (1 + (0.03 * (e - 4))),
            TrainAccuracy = e => Math.Min(0.99, 0.7 + (0.1 * e)),
            ValAccuracy = e => Math.Min(0.94, 0.7 + (0.08 * e)),
        }.Feed(new RunAnalyzer("fit"));
        a.AssertQuiet();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ObserveScalar_WideGapButHeldOutLossKeepsFalling_NotOverfitting(int seed)
    {
        // A hard task: the model fits its training set better than the held-out set, but is still generalising better.
        var a = new EpochFit
        {
            Seed = seed,
            ValLoss = e => 0.5 + (0.6 * Math.Exp(-e / 8.0)),
            TrainAccuracy = e => Math.Min(1, 0.8 + (0.02 * e)),
            ValAccuracy = e => Math.Min(0.8, 0.6 + (0.01 * e)),
        }.Feed(new RunAnalyzer("fit"));
        a.AssertQuiet();
    }

    [Fact]
    public void ObserveScalar_StrongRiseWithoutAccuracies_StillOverfitting()
    {
        var a = new EpochFit
        {
            TrainLoss = e => 1e-3 + Math.Exp(-e),
            ValLoss = e => e < 8 ? 1.4 - (0.08 * e) : 0.76 + (0.06 * (e - 8)),
        }.Feed(new RunAnalyzer("fit"));
        Assert.Contains(a.Alerts, x => x.Kind == AlertKind.Overfitting);
    }
}
