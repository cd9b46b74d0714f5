using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Overfitting with a small accuracy gap: the training loss near zero, orders of magnitude below a held-out loss that
/// rises steadily for a thousand steps, while the held-out accuracy holds at 92% against 100% on training; and the
/// look-alike that is not it (the training loss only ~10x below a held-out loss creeping up, accuracies 0.99/0.94).
/// </summary>
public sealed class OverfittingNearZeroTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_TrainingLossNearZeroHeldOutRisingSmallAccuracyGap_Overfitting(int seed)
    {
        var a = Feed(seed, trainFloor: 1e-3, valRise: 1.0);
        var alert = a.AssertSingle(AlertKind.Overfitting);
        Assert.Equal("val/loss", alert.Tag);
        Assert.InRange(alert.Step, 900, 2000);
        Assert.True(alert.Evidence["accuracy_gap"] < 0.1);
        a.AssertOnly(AlertKind.Overfitting);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_TrainingLossTenTimesBelowHeldOutCreepingUp_NotOverfitting(int seed)
    {
        // Keras's healthy fits: the held-out loss 1.4-1.9x its best, the training loss ~10x below it, accuracies 0.99/0.94.
        var a = Feed(seed, trainFloor: 0.03, valRise: 0.6, trainAccuracy: 0.99, valAccuracy: 0.94);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.Overfitting);
    }

    /// <summary>
    /// 2,000 steps: the training loss (every step, 20% noise) decays to <paramref name="trainFloor"/>; every 100 steps
    /// the held-out loss (best 0.25 at step 800, then rising by <paramref name="valRise"/> of it linearly to the end)
    /// and both accuracies.
    /// </summary>
    private static RunAnalyzer Feed(int seed, double trainFloor, double valRise, double trainAccuracy = 1.0, double valAccuracy = 0.92)
    {
        var rng = new Random(seed);
        var a = new RunAnalyzer("run");
        for (long step = 0; step < 2000; step++)
        {
            a.ObserveScalar("train/loss", step, step, Synthetic.DecayingLoss(rng, step, 2.3, trainFloor, 120, 0.2));
            a.ObserveScalar("train/accuracy", step, step, Math.Min(trainAccuracy, 0.1 + (step / 300.0)));
            if (step % 100 == 99)
            {
                var val = step < 800 ? 0.25 + (0.8 * Math.Exp(-step / 150.0)) : 0.25 * (1 + (valRise * (step - 800) / 1200.0));
                a.ObserveScalar("val/loss", step, step, val * Math.Exp(0.01 * Synthetic.Normal(rng)));
                a.ObserveScalar("val/accuracy", step, step, Math.Min(valAccuracy, 0.1 + (step / 300.0)) + (rng.Next(3) / 450.0));
            }
        }

        a.Complete();
        return a;
    }
}
