using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Issue 22: the absolute gradient-norm ceiling (1e4) is not scale-free. A regression on a raw-scale target whose norm
/// grows from thousands to tens of thousands as its hidden units wake up is healthy; a norm above the ceiling counts
/// only against the tensor's own earlier norms (10 times their median). A tensor's first norm has nothing to be
/// compared with and is still judged by the ceiling alone (an initialisation that blew up).
/// </summary>
public sealed class ExplodingCeilingRelativeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_RawScaleRegressionNormsAboveTheCeiling_NoExplodingGradients(int seed)
    {
        var a = Regression(seed, burstAt: -1);
        a.AssertQuiet();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ObserveScalar_RawScaleRegressionNormBurstsTenfoldItsOwnLevel_ExplodingAtThatStep(int seed)
    {
        var a = Regression(seed, burstAt: 500);
        var alert = a.AssertSingle(AlertKind.ExplodingGradients);
        Assert.Equal(500, alert.Step);
    }

    [Fact]
    public void ObserveScalar_FirstNormAboveTheCeiling_ExplodingAtTheFirstStep()
    {
        var a = new RunAnalyzer("r");
        a.ObserveScalar("train/loss", 0, 0, 2.3);
        a.ObserveScalar("grad_norm", 0, 0, 3e6);
        a.ObserveScalar("train/loss", 1, 1, double.NaN);
        Assert.Equal([AlertKind.ExplodingGradients, AlertKind.NanInf], a.Alerts.Select(x => x.Kind));
        Assert.Equal(0, a.Alerts[0].Step);
    }

    [Fact]
    public void ObserveScalar_PerParameterNormsOfARawScaleRegression_NoExplodingGradients()
    {
        var a = new RunAnalyzer("r");
        var rng = new Random(9);
        for (long step = 0; step < 300; step++)
        {
            a.ObserveScalar("train/loss", step, step, (3000 + (26000 * Math.Exp(-step / 100.0))) * Math.Exp(0.3 * Synthetic.Normal(rng)));
            a.ObserveScalar("grad_norm/fc1.weight", step, step, Growing(step) * Math.Exp(0.3 * Synthetic.Normal(rng)));
        }

        a.Complete();
        Assert.False(a.Alerts.Any(x => x.Kind == AlertKind.ExplodingGradients), a.Alerts.Describe());
    }

    /// <summary>A norm that grows sevenfold (4,000 to 30,000) as the network leaves its start, then eases off.</summary>
    private static double Growing(long step) => 4000 + (26000 * (1 - Math.Exp(-step / 50.0)) * Math.Exp(-step / 2000.0));

    private static RunAnalyzer Regression(int seed, long burstAt)
    {
        // MSE about 29,000 untrained and 3,000 fitted; the norm grows from 4,000 to about 30,000 over the first 150 steps.
        var a = new RunAnalyzer("regression");
        var rng = new Random(seed);
        for (long step = 0; step < 1000; step++)
        {
            var wall = 1_700_000_000 + (step * 0.05);
            var decay = Math.Exp(-step / 150.0);
            a.ObserveScalar("train/loss", step, wall, (3000 + (26000 * decay)) * Math.Exp(0.35 * Synthetic.Normal(rng)));
            var norm = Growing(step) * Math.Exp(0.3 * Synthetic.Normal(rng));
            a.ObserveScalar("grad_norm", step, wall, step == burstAt ? 30 * norm : norm);
            a.ObserveScalar("lr", step, wall, 1e-3);
            if (step % 50 == 49)
            {
                a.ObserveScalar("val/loss", step, wall, (3300 + (26000 * decay)) * Math.Exp(0.05 * Synthetic.Normal(rng)));
            }
        }

        a.Complete();
        return a;
    }
}
