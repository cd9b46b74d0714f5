using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Lightning's LearningRateMonitor logs one rate per parameter group (<c>lr-SGD/pg1</c>, <c>lr-SGD/pg2</c>) and, with
/// <c>log_momentum</c>, the momentum under an <c>lr-</c> name: read as one learning rate, two constants look like a
/// jump at every point (a warm-up that never ends), which silences the rules that wait for the rate to settle.
/// </summary>
public sealed class LearningRateGroupsTests
{
    [Theory]
    [InlineData("lr-SGD/pg2", 1e-6)]
    [InlineData("lr-SGD-momentum", 0.9)]
    public void ObserveScalar_StuckLossWithASecondLrTag_Plateau(string secondTag, double secondValue)
    {
        var a = Feed(secondTag, secondValue, stuck: true);
        var alert = a.AssertSingle(AlertKind.Plateau);
        Assert.Equal("train_loss_step", alert.Tag);
    }

    [Theory]
    [InlineData("lr-SGD/pg2", 1e-2)]
    [InlineData("lr-SGD-momentum", 0.9)]
    public void ObserveScalar_LearningLossWithASecondLrTag_Quiet(string secondTag, double secondValue) =>
        Feed(secondTag, secondValue, stuck: false).AssertQuiet();

    /// <summary>600 steps, logged every 5 (Lightning's log_every_n_steps): the loss, <c>lr-SGD/pg1</c> and a second tag.</summary>
    private static RunAnalyzer Feed(string secondTag, double secondValue, bool stuck)
    {
        var rng = new Random(1);
        var a = new RunAnalyzer("lightning");
        for (long step = 4; step < 3000; step += 5)
        {
            var loss = stuck ? 2.302 * Math.Exp(0.01 * Synthetic.Normal(rng)) : Synthetic.DecayingLoss(rng, step, 2.3, 0.05, 300, 0.1);
            a.ObserveScalar("train_loss_step", step, step, loss);
            a.ObserveScalar("lr-SGD/pg1", step, step, stuck ? 1e-7 : 1e-3);
            a.ObserveScalar(secondTag, step, step, secondValue);
        }

        a.Complete();
        return a;
    }
}
