namespace TbBridge.Analysis.Tests.Grouping;

/// <summary>One training run fed from sibling sub-runs (Keras's train/ and validation/, which use the same tags).</summary>
public sealed class SubRunAnalysisTests
{
    private static readonly SubRun Train = new("fit/train", "train", SubRunRole.Training);
    private static readonly SubRun Validation = new("fit/validation", "validation", SubRunRole.HeldOut);

    /// <summary>Per epoch: the training loss falls to near zero, the validation loss turns up after epoch 15.</summary>
    private static void FeedOverfittingFit(Action<SubRun, string, long, double> observe)
    {
        for (long e = 0; e < 60; e++)
        {
            observe(Train, "epoch_loss", e, 1.4 * Math.Exp(-e / 6.0) + 1e-3);
            observe(Validation, "epoch_loss", e, e < 15 ? 1.4 - (0.04 * e) : 0.8 + (0.03 * (e - 15)));
        }
    }

    [Fact]
    public void ObserveScalar_TrainAndValidationSubRuns_OverfittingNamesTheSubRunOfItsEvidence()
    {
        var a = new RunAnalyzer("fit");
        FeedOverfittingFit((sub, tag, e, v) => a.ObserveScalar(sub, tag, e, e, v));
        a.Complete();

        var alert = Assert.Single(a.Alerts, x => x.Kind == AlertKind.Overfitting);
        Assert.Equal("fit", alert.Run);
        Assert.Equal("validation", alert.SubRun);
        Assert.Equal("validation/epoch_loss", alert.Tag);
        Assert.Contains("train/epoch_loss", alert.Tags);
        Assert.Equal(SignalRole.ValLoss, a.RoleOf("validation/epoch_loss"));
        Assert.Equal(SignalRole.TrainLoss, a.RoleOf("train/epoch_loss"));
    }

    [Fact]
    public void ObserveScalar_SameFoldersAnalysedApart_NoRuleSeesBothLosses()
    {
        var train = new RunAnalyzer("fit/train");
        var validation = new RunAnalyzer("fit/validation");
        FeedOverfittingFit((sub, tag, e, v) => (sub == Train ? train : validation).ObserveScalar(tag, e, e, v));
        train.Complete();
        validation.Complete();
        Assert.DoesNotContain(train.Alerts.Concat(validation.Alerts), x => x.Kind == AlertKind.Overfitting);
    }

    [Fact]
    public void ObserveScalar_TrainingAndValidationBothBreak_OneNanInfOnTheTrainingSide()
    {
        var a = new RunAnalyzer("fit");
        for (long e = 0; e < 10; e++)
        {
            var broken = e >= 6;
            a.ObserveScalar(Validation, "epoch_loss", e, e, broken ? double.NaN : 1.0 / (e + 1));
            a.ObserveScalar(Train, "epoch_loss", e, e + 0.1, broken ? double.NaN : 1.0 / (e + 1));
        }

        a.Complete();
        var nan = Assert.Single(a.Alerts, x => x.Kind == AlertKind.NanInf);
        Assert.Equal(("train/epoch_loss", 6L, "train"), (nan.Tag, nan.Step, nan.SubRun));
        Assert.DoesNotContain("training loss stays finite", nan.Message, StringComparison.Ordinal);
    }
}
