using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Issue 22's healthy runs without accuracy or ln k: a regression on a raw-scale target (MSE in the thousands) whose
/// batch losses are heavy-tailed, and a small autoencoder logged the minimal way (<c>loss</c> every step, <c>val_loss</c>
/// on the epoch axis). Neither may raise a warning.
/// </summary>
public sealed class HealthyRegressionAndAutoencoderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void ObserveScalar_RawScaleRegressionWithHeavyTailedBatches_NoWarning(int seed)
    {
        // Diabetes-like: the untrained model's MSE is about 29,000, a fitted one's about 3,000. One batch in 30 holds an
        // outlier target and costs 3 to 8 times the typical batch.
        var a = new RunAnalyzer("regression");
        var rng = new Random(seed);
        for (long step = 0; step < 1200; step++)
        {
            var wall = 1_700_000_000 + (step * 0.05);
            var clean = 3000 + (26000 * Math.Exp(-step / 150.0));
            var tail = rng.NextDouble() < 1.0 / 30 ? 3 + (5 * rng.NextDouble()) : 1;
            a.ObserveScalar("train/loss", step, wall, clean * tail * Math.Exp(0.45 * Synthetic.Normal(rng)));
            a.ObserveScalar("lr", step, wall, 1e-3);
            if (step % 40 == 39)
            {
                a.ObserveScalar("val/loss", step, wall, (3300 + (26000 * Math.Exp(-step / 150.0))) * Math.Exp(0.05 * Synthetic.Normal(rng)));
            }
        }

        a.Complete();
        a.AssertQuiet();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void ObserveScalar_SmallAutoencoderLoggedMinimally_NoWarning(int seed)
    {
        // Reconstruction MSE of pixels in [0, 1]: 0.11 untrained, 0.02 after 20 epochs of 50 batches; the held-out loss
        // is logged once an epoch with the epoch as its step.
        var a = new RunAnalyzer("autoencoder");
        var rng = new Random(seed);
        for (long step = 0; step < 1000; step++)
        {
            var wall = 1_700_000_000 + (step * 0.02);
            var clean = 0.02 + (0.09 * Math.Exp(-step / 200.0));
            a.ObserveScalar("loss", step, wall, clean * Math.Exp(0.12 * Synthetic.Normal(rng)));
            if (step % 50 == 49)
            {
                var epoch = step / 50;
                a.ObserveScalar("val_loss", epoch, wall, (0.022 + (0.09 * Math.Exp(-step / 200.0))) * Math.Exp(0.02 * Synthetic.Normal(rng)));
            }
        }

        a.Complete();
        a.AssertQuiet();
    }
}
