using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>Plateau on a short epoch-level curve: 8 validations of a model that outputs a uniform guess (loss ln k).</summary>
public sealed class ShortCurvePlateauTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(2)]
    public void ObserveScalar_HeldOutLossAtLnKForEightValidations_Plateau(int classes)
    {
        var a = new EpochFit
        {
            Epochs = 16,
            ValidationFreq = 2,
            TrainLoss = e => 1.6 + Math.Exp(-e),
            ValLoss = _ => Math.Log(classes) * 1.0005,
        }.Feed(new RunAnalyzer("fit"));
        var alert = a.AssertSingle(AlertKind.Plateau);
        Assert.Equal("validation/epoch_loss", alert.Tag);
        Assert.Equal("validation", alert.SubRun);
    }

    [Fact]
    public void ObserveScalar_HeldOutLossConvergedBeforeItsFirstEvaluation_NoPlateau()
    {
        // An easy task: flat from its first evaluation, but at 0.12, no chance level; 8 points are too few to call it stuck.
        var a = new EpochFit { Epochs = 16, ValidationFreq = 2, ValLoss = _ => 0.12 }.Feed(new RunAnalyzer("fit"));
        a.AssertQuiet();
    }

    [Fact]
    public void ObserveScalar_HeldOutLossThatStartsAtLnKAndLearns_NoPlateau()
    {
        var a = new EpochFit { Epochs = 16, ValidationFreq = 2, ValLoss = e => Math.Log(4) * Math.Exp(-e / 6.0) }.Feed(new RunAnalyzer("fit"));
        a.AssertQuiet();
    }

    [Theory]
    [InlineData(1.386294, true)]
    [InlineData(2.302585, true)]
    [InlineData(0.6931, true)]
    [InlineData(1.2, false)]
    [InlineData(0.12, false)]
    [InlineData(1.40, false)]
    public void AtChanceLevel_LossNearLnK_OnlyThen(double loss, bool expected) =>
        Assert.Equal(expected, TbBridge.Analysis.Internal.Rules.PlateauRule.AtChanceLevel(loss));
}
