using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Class collapse without a predictions histogram (Keras logs none): a held-out accuracy that only ever takes the
/// shares of the classes the model predicts, in a model that never learned.
/// </summary>
public sealed class CollapseFromAccuracyTests
{
    [Theory]
    [InlineData(new[] { 0.246 })]
    [InlineData(new[] { 0.241, 0.264, 0.252 })]
    [InlineData(new[] { 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 })]
    public void ObserveScalar_HeldOutAccuracyOnlyClassShares_ClassCollapse(double[] shares)
    {
        var a = new EpochFit
        {
            Epochs = 20,
            TrainLoss = _ => 1.45,
            ValLoss = _ => 1.5,
            ValAccuracy = e => shares[e * 7 % shares.Length],
        }.Feed(new RunAnalyzer("fit"));
        var alert = a.AssertSingle(AlertKind.ClassCollapse);
        Assert.Equal("validation/epoch_accuracy", alert.Tag);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ObserveScalar_ConvergedAccuracyThatRepeatsItself_NotClassCollapse(int seed)
    {
        // A converged model on 1024 samples: 0.94, 0.941, 0.94, ... repeats, but far more than one class's share.
        var rng = new Random(seed);
        var a = new EpochFit
        {
            Seed = seed,
            Epochs = 30,
            ValLoss = e => 0.15 + Math.Exp(-e),
            TrainAccuracy = e => Math.Min(0.97, 0.6 + (0.1 * e)),
            ValAccuracy = e => Math.Min(0.94, 0.6 + (0.1 * e)) + (rng.Next(3) / 1024.0),
        }.Feed(new RunAnalyzer("fit"));
        a.AssertQuiet();
    }

    [Fact]
    public void ObserveScalar_ConstantAccuracyOfAModelThatLearns_NotClassCollapse()
    {
        // A majority-class share at 0.86 throughout, but the training loss falls: the model is learning the prior.
        var a = new EpochFit
        {
            Epochs = 20,
            ValLoss = e => 0.4 + Math.Exp(-e / 3.0),
            ValAccuracy = _ => 0.86,
        }.Feed(new RunAnalyzer("fit"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.ClassCollapse);
    }
}
