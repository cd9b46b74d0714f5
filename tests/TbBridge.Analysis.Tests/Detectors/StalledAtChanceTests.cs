using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Issue 22 (fold A's <c>mlp-plain-exploding-init</c>): weights x30 make the first losses thousands; within a dozen
/// steps the network falls to a constant output and its loss sits at ln 10 for the rest of the run. It fell 1000x from
/// its start, so "never left its start" does not hold; both halves of the run at ln k do.
/// </summary>
public sealed class StalledAtChanceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Complete_LossFallsFromAnExplodedStartToLnKAndStays_Plateau(int seed)
    {
        var a = Feed(seed, e => Math.Log(10));
        Assert.Contains(a.Alerts, x => x.Kind == AlertKind.Plateau && x.Tag == "train/loss");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Complete_LossFallsFromAnExplodedStartThroughLnKAndLearns_NoPlateau(int seed)
    {
        // The same exploded start, then a model that learns from ln 10 down to 0.3.
        var a = Feed(seed, step => 0.3 + ((Math.Log(10) - 0.3) * Math.Exp(-step / 80.0)));
        Assert.False(a.Alerts.Any(x => x.Kind == AlertKind.Plateau), a.Alerts.Describe());
    }

    private static RunAnalyzer Feed(int seed, Func<long, double> after)
    {
        var a = new RunAnalyzer("r");
        var rng = new Random(seed);
        for (long step = 0; step < 344; step++)
        {
            var loss = step < 13 ? 3000 * Math.Exp(0.8 * Synthetic.Normal(rng)) : after(step - 13) * Math.Exp(0.01 * Synthetic.Normal(rng));
            a.ObserveScalar("train/loss", step, step, loss);
            a.ObserveScalar("lr", step, step, 0.05);
        }

        a.Complete();
        return a;
    }
}
