namespace TbBridge.Analysis.Tests.Bounds;

public sealed class AlertEpisodeTests
{
    /// <summary>A whole ReLU layer at zero (dead whatever the loss does), or half of it.</summary>
    private static HistogramSnapshot Layer(bool dead) => Support.Synthetic.ReluActivations(dead ? 1.0 : 0.5);

    [Fact]
    public void ObserveHistogram_FlappingDeadLayer_OneAlertForTheWholeFlapping()
    {
        // Dead for 3 snapshots, alive for 1, a thousand times: before the episodes, 1,000 dead_relu alerts.
        var a = new RunAnalyzer("r");
        long step = 0;
        for (var flap = 0; flap < 1000; flap++)
        {
            for (var i = 0; i < 3; i++)
            {
                a.ObserveHistogram("activations/relu1", step, step++, Layer(dead: true));
            }

            a.ObserveHistogram("activations/relu1", step, step++, Layer(dead: false));
        }

        var alert = Assert.Single(a.Alerts);
        Assert.Equal((AlertKind.DeadRelu, 2L), (alert.Kind, alert.Step));
        Assert.Equal(999, a.AlertsSuppressed);
    }

    [Fact]
    public void ObserveHistogram_RealRecoveries_OneAlertPerEpisodeUpToTheCap()
    {
        var options = new AnalysisOptions();
        var a = new RunAnalyzer("r", options);
        long step = 0;
        var episodes = 0;
        for (var flap = 0; flap < 1000; flap++)
        {
            for (var i = 0; i < 3; i++)
            {
                a.ObserveHistogram("activations/relu1", step, step++, Layer(dead: true));
            }

            episodes++;
            if (flap < 5)
            {
                Assert.Equal(episodes, a.Alerts.Count); // each real episode raises once
            }

            // Alive just long enough to count as recovered.
            for (var i = 0; i < options.RecoveryPoints; i++)
            {
                a.ObserveHistogram("activations/relu1", step, step++, Layer(dead: false));
            }
        }

        Assert.Equal(options.MaxAlertsPerSubject, a.Alerts.Count);
        Assert.All(a.Alerts, x => Assert.Equal((AlertKind.DeadRelu, "relu1"), (x.Kind, x.Subject)));
        Assert.Equal(1000 - options.MaxAlertsPerSubject, a.AlertsSuppressed);
    }

    [Fact]
    public void ObserveHistogram_RecoveryOnePointShort_TheSameEpisode()
    {
        var a = new RunAnalyzer("r", new AnalysisOptions { RecoveryPoints = 4 });
        long step = 0;
        for (var flap = 0; flap < 50; flap++)
        {
            for (var i = 0; i < 3; i++)
            {
                a.ObserveHistogram("activations/relu1", step, step++, Layer(dead: true));
            }

            for (var i = 0; i < 3; i++)
            {
                a.ObserveHistogram("activations/relu1", step, step++, Layer(dead: false));
            }
        }

        Assert.Single(a.Alerts);
    }

    [Fact]
    public void ObserveScalar_SpikesFarApart_EachSpikeIsItsOwnEpisode()
    {
        // The loss-spike rule ends an episode after 50 quiet points; the recovery comes on top of them.
        var a = new RunAnalyzer("r");
        var rng = new Random(3);
        for (long step = 0; step < 1000; step++)
        {
            var x = 1.0 + (0.01 * Support.Synthetic.Normal(rng));
            a.ObserveScalar("train/loss", step, step, step % 200 == 100 ? 10 * x : x);
        }

        a.Complete();
        Assert.Equal([100L, 300L, 500L, 700L, 900L], a.Alerts.Where(x => x.Kind == AlertKind.LossSpike).Select(x => x.Step));
    }
}
