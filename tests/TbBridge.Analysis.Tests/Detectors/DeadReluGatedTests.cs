using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>
/// Dead ReLUs read from per-parameter gradient norms (Lightning's <c>grad_2.0_norm/&lt;param&gt;</c>) in a GRU whose
/// loss does not improve: a recurrent weight with an exactly zero gradient (a one-step sequence from a zero state) is not
/// a dead ReLU, nor is a head tensor that was zero for a few rounds only; a head ReLU layer zero throughout is.
/// </summary>
public sealed class DeadReluGatedTests
{
    [Fact]
    public void ObserveScalar_GruRecurrentWeightGradientZeroLossStalled_NotDeadRelu()
    {
        var a = Feed((_, _) => false);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.DeadRelu);
    }

    [Fact]
    public void ObserveScalar_GruWithHeadReluLayerGradientZero_DeadRelu()
    {
        var a = Feed((p, _) => p == "head.hidden.0.weight");
        var alert = a.AssertSingle(AlertKind.DeadRelu);
        Assert.Equal("grad_2.0_norm/head.hidden.0.weight", alert.Tag);
        Assert.Equal(1, alert.Evidence["zero_gradient_tensors"]);
    }

    [Fact]
    public void ObserveScalar_HeadGradientZeroForAFewRoundsOnly_NotDeadRelu()
    {
        // Zero at rounds 30 to 34 of 60 (a stretch where no unit fired on the logged batch), not at half of its norms.
        var a = Feed((p, round) => p == "head.hidden.0.weight" && round is >= 30 and < 35);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.DeadRelu);
    }

    [Theory]
    [InlineData("gru.weight_hh_l0", true)]
    [InlineData("lstm.weight_ih_l1", true)]
    [InlineData("encoder.rnn.bias_hh_l0", true)]
    [InlineData("layers.0.self_attn.in_proj_weight", true)]
    [InlineData("lstm_cell/kernel", true)]
    [InlineData("head.hidden.0.weight", false)]
    [InlineData("relu1", false)]
    [InlineData("features.3", false)]
    public void IsGated_RecurrentAndGatedNames(string subject, bool gated) =>
        Assert.Equal(gated, TbBridge.Analysis.Internal.Rules.DeadReluRule.IsGated(subject));

    /// <summary>
    /// 60 rounds of 5 steps (Lightning's log_every_n_steps): a training loss stuck at ln 10, the GRU's and the head's
    /// gradient norms, <c>gru.weight_hh_l0</c> exactly zero throughout; <paramref name="zeroAt"/> zeroes others.
    /// </summary>
    private static RunAnalyzer Feed(Func<string, int, bool> zeroAt)
    {
        string[] parameters = ["gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0", "head.hidden.0.weight", "head.hidden.0.bias", "head.out.weight", "head.out.bias"];
        var rng = new Random(1);
        var a = new RunAnalyzer("gru-lightning");
        for (var round = 0; round < 60; round++)
        {
            var step = (round * 5) + 4;
            a.ObserveScalar("train_loss_step", step, step, 2.302 * Math.Exp(0.002 * Synthetic.Normal(rng)));
            a.ObserveScalar("lr-SGD", step, step, 1e-7);
            double total = 0;
            foreach (var p in parameters)
            {
                var g = p == "gru.weight_hh_l0" || zeroAt(p, round) ? 0 : 0.05 * Math.Exp(0.1 * Synthetic.Normal(rng));
                total += g * g;
                a.ObserveScalar($"grad_2.0_norm/{p}", step, step, g);
            }

            a.ObserveScalar("grad_2.0_norm_total", step, step, Math.Sqrt(total));
        }

        a.Complete();
        return a;
    }
}
