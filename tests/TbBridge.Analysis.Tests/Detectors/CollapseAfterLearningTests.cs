using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Class collapse read from what runs log (no predictions histogram): a held-out accuracy that had learned and fell to
/// one class's share or to chance, a held-out accuracy identical at every evaluation while the training accuracy is
/// high, a held-out recall of 0 at every evaluation; and the look-alikes that are not it (a fine-tune whose accuracy is
/// a constant 0.978, a corrupted batch that sent the accuracy to chance and back up, an imbalanced set learned late).
/// </summary>
public sealed class CollapseAfterLearningTests
{
    private const int StepsPerEpoch = 43;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ObserveScalar_AccuracyLearnedThenOneClassShare_ClassCollapse(int seed)
    {
        // A label bug from epoch 3: every training label becomes 0; the held-out accuracy drops to class 0's share.
        double[] acc = [0.88, 0.92, 0.969, 0.0844, 0.0844, 0.0844, 0.0844, 0.0844];
        double[] valLoss = [0.38, 0.25, 0.17, 99, 104, 104.4, 104.4, 104.4];
        var a = Feed(seed, "train/loss", "val/loss", "val/accuracy", e => e < 3 ? 1.5 * Math.Exp(-e) : 1e-6, e => valLoss[e], e => acc[e], null);

        var alert = a.AssertSingle(AlertKind.ClassCollapse);
        Assert.Equal("val/accuracy", alert.Tag);
        Assert.Equal((5 * StepsPerEpoch) + StepsPerEpoch - 1, alert.Step); // the third collapsed evaluation
        Assert.Equal(0.969, alert.Evidence["best_accuracy"], 3);
        Assert.Single(a.Alerts, x => x.Kind == AlertKind.ClassCollapse);
    }

    [Fact]
    public void ObserveScalar_AccuracyLearnedThenChanceWithLossAtLnK_ClassCollapseSaysLnK()
    {
        // Learned to 85%, then a uniform guess over 10 classes: accuracy about 0.1, held-out loss ln 10.
        double[] acc = [0.6, 0.78, 0.85, 0.101, 0.097, 0.104, 0.1, 0.099];
        var a = Feed(1, "train_loss_step", "val_loss", "val_acc", e => e < 3 ? 1.5 * Math.Exp(-e) : 2.3, e => e < 3 ? 1 - (0.25 * e) : 2.302, e => acc[e], null);

        var alert = a.AssertSingle(AlertKind.ClassCollapse);
        Assert.Equal("val_acc", alert.Tag);
        Assert.Contains("ln k", alert.Message, StringComparison.Ordinal);
        Assert.Equal(2.302, alert.Evidence["val_loss"], 2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ObserveScalar_AccuracyKnockedToChanceThenVaries_NotClassCollapse(int seed)
    {
        // A corrupted batch at epoch 5: the held-out accuracy falls to chance and wanders back (0.16, 0.10, 0.24),
        // its loss at ln 10: a model that still answers differently every time, not one class.
        double[] acc = [0.55, 0.81, 0.9, 0.92, 0.94, 0.162, 0.096, 0.242];
        var a = Feed(seed, "train_loss_step", "val_loss", "val_acc", e => e < 5 ? 2 * Math.Exp(-e / 2.0) : 2.2, e => e < 5 ? 1.8 * Math.Exp(-e / 1.5) : 2.3, e => acc[e], null);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.ClassCollapse);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ObserveScalar_FineTuneWithConstantHighAccuracy_NotClassCollapse(int seed)
    {
        // A fine-tune of a ten-class model: eval/accuracy 0.978 at all five evaluations, the losses flat from the start.
        // One class of ten cannot score 97.8%.
        var a = Feed(seed, "train/loss", "eval/loss", "eval/accuracy", _ => 0.05, _ => 0.09, _ => 0.978, null, epochs: 5, trainerLogging: true);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.ClassCollapse);
    }

    [Fact]
    public void ObserveScalar_HeldOutAccuracyConstantWhileTrainingAccuracyHigh_ClassCollapse()
    {
        var a = Feed(1, "train/loss", "val/loss", "val/accuracy", e => 1.5 * Math.Exp(-e), _ => 2.6, _ => 0.1, e => Math.Min(0.99, 0.5 + (0.2 * e)));
        var alert = a.AssertSingle(AlertKind.ClassCollapse);
        Assert.Equal("val/accuracy", alert.Tag);
        Assert.True(alert.Evidence["accuracy_gap"] >= 0.1);
    }

    [Fact]
    public void ObserveScalar_HeldOutAccuracyConstantAndHighNextToTraining_NotClassCollapse()
    {
        // 0.978 held out at every evaluation, 0.99 on training: a good model whose held-out answers settled.
        var a = Feed(1, "train/loss", "val/loss", "val/accuracy", e => 0.3 * Math.Exp(-e), _ => 0.08, _ => 0.978, e => Math.Min(0.995, 0.9 + (0.05 * e)));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.ClassCollapse);
    }

    [Theory]
    [InlineData("eval/recall")]
    [InlineData("eval/f1")]
    public void ObserveScalar_HeldOutRecallZeroAtEveryEvaluation_ClassCollapse(string tag)
    {
        // 10% positives: the model predicts the majority class for every input, its accuracy 0.9 throughout.
        var a = new RunAnalyzer("imbalanced");
        var rng = new Random(1);
        for (var e = 0; e < 6; e++)
        {
            for (var s = 0; s < StepsPerEpoch; s += 10)
            {
                var step = (e * StepsPerEpoch) + s;
                a.ObserveScalar("train/loss", step, step, Math.Round(0.33 * Math.Exp(0.1 * Synthetic.Normal(rng)), 4));
            }

            var end = (e + 1) * StepsPerEpoch;
            a.ObserveScalar("eval/loss", end, end, 0.325);
            a.ObserveScalar("eval/accuracy", end, end, 0.9);
            a.ObserveScalar(tag, end, end, 0);
        }

        a.Complete();
        var alert = a.AssertSingle(AlertKind.ClassCollapse);
        Assert.Equal(tag, alert.Tag);
        Assert.Equal(3 * StepsPerEpoch, alert.Step);
        a.AssertOnly(AlertKind.ClassCollapse, AlertKind.Plateau);
    }

    [Fact]
    public void ObserveScalar_HeldOutRecallZeroThenLearned_NotClassCollapse()
    {
        // The minority class is learned at the second evaluation: recall 0 once is a slow start, not a collapse.
        double[] recall = [0, 0.35, 0.62, 0.8, 0.86, 0.9];
        var a = new RunAnalyzer("imbalanced");
        for (var e = 0; e < recall.Length; e++)
        {
            for (var s = 0; s < StepsPerEpoch; s += 10)
            {
                var step = (e * StepsPerEpoch) + s;
                a.ObserveScalar("train/loss", step, step, Math.Round(0.33 * Math.Exp(-step / 80.0), 4));
            }

            var end = (e + 1) * StepsPerEpoch;
            a.ObserveScalar("eval/loss", end, end, 0.3 * Math.Exp(-e / 2.0));
            a.ObserveScalar("eval/recall", end, end, recall[e]);
        }

        a.Complete();
        a.AssertQuiet();
    }

    /// <summary>
    /// Per epoch of <see cref="StepsPerEpoch"/> steps: the training loss every step (with 5% noise; the Trainer's
    /// habit: a 10-step mean rounded to 4 decimals), then at the epoch's last step the held-out loss and accuracy and
    /// the training accuracy if given.
    /// </summary>
    private static RunAnalyzer Feed(
        int seed,
        string trainTag,
        string valLossTag,
        string valAccTag,
        Func<double, double> trainLoss,
        Func<int, double> valLoss,
        Func<int, double> valAcc,
        Func<int, double>? trainAcc,
        int epochs = 8,
        bool trainerLogging = false)
    {
        var rng = new Random(seed);
        var a = new RunAnalyzer("run");
        for (var e = 0; e < epochs; e++)
        {
            for (var s = 0; s < StepsPerEpoch; s++)
            {
                var step = (e * StepsPerEpoch) + s;
                var loss = trainLoss(e + ((double)s / StepsPerEpoch)) * Math.Exp(0.05 * Synthetic.Normal(rng));
                if (!trainerLogging)
                {
                    a.ObserveScalar(trainTag, step, step, loss);
                }
                else if (s % 10 == 9)
                {
                    a.ObserveScalar(trainTag, step, step, Math.Round(loss, 4));
                }
            }

            var end = ((e + 1) * StepsPerEpoch) - 1;
            a.ObserveScalar(valLossTag, end, end, valLoss(e));
            a.ObserveScalar(valAccTag, end, end, valAcc(e));
            if (trainAcc is not null)
            {
                a.ObserveScalar("train/accuracy", end, end, trainAcc(e));
            }
        }

        a.Complete();
        return a;
    }
}
