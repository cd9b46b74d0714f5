using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

public sealed class SpikeAndOscillationTests
{
    [Fact]
    public void ObserveScalar_OneBadBatch_LossSpikeAtThatStep()
    {
        var a = new HealthyRun { Seed = 12, TrainLoss = (s, v) => s == 500 ? v * 300 : v }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.LossSpike);
        Assert.Equal(500, alert.Step);
        Assert.True(alert.Evidence["ratio"] > 100);
        Assert.DoesNotContain(a.Alerts, x => x.Kind is AlertKind.Divergence or AlertKind.Oscillation);
    }

    [Fact]
    public void ObserveScalar_SpikeDuringWarmup_NotReported()
    {
        var a = new HealthyRun { Seed = 12, TrainLoss = (s, v) => s == 5 ? v * 300 : v }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.LossSpike);
    }

    [Fact]
    public void ObserveScalar_LossJumpsAtAWarmRestartOfTheLr_NotASpike()
    {
        var a = new HealthyRun
        {
            Seed = 12,
            Lr = s => Synthetic.CosineLr(s % 500, 500, 1, 0.1),
            TrainLoss = (s, v) => s % 500 is >= 500 and <= 503 || (s >= 500 && s % 500 <= 3) ? v * 40 : v,
        }.Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.LossSpike);
    }

    [Fact]
    public void ObserveScalar_SameJumpWithoutAnLrChange_IsASpike()
    {
        var a = new HealthyRun { Seed = 12, TrainLoss = (s, v) => s == 500 ? v * 40 : v }.Feed(new RunAnalyzer("r"));
        Assert.Equal(500, a.AssertSingle(AlertKind.LossSpike).Step);
    }

    [Fact]
    public void ObserveScalar_ModestJumpOfAQuietLoss_IsASpike()
    {
        // A recurrent model saturates on a corrupted batch: its loss goes 1.2 -> 2.0, small in ratio, but 10 sigmas
        // above a loss that moves by 4% from batch to batch.
        var a = new HealthyRun { Seed = 16, Noise = 0.04, FloorLoss = 1.2, StartLoss = 1.4, TrainLoss = (s, v) => s == 400 ? v * 1.7 : v }
            .Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.LossSpike);
        Assert.Equal(400, alert.Step);
        Assert.InRange(alert.Evidence["ratio"], 1.5, 2);
    }

    [Fact]
    public void ObserveScalar_QuietLossTicksUpByAFifth_NotASpike()
    {
        // Many sigmas, but a bump no one would call a spike.
        var a = new HealthyRun { Seed = 16, Noise = 0.01, FloorLoss = 1.2, StartLoss = 1.4, TrainLoss = (s, v) => s == 400 ? v * 1.2 : v }
            .Feed(new RunAnalyzer("r"));
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.LossSpike);
    }

    [Fact]
    public void ObserveScalar_TwoSpikesFarApart_TwoAlertsAfterTheFirstClears()
    {
        var a = new HealthyRun { Seed = 13, TrainLoss = (s, v) => s is 300 or 700 ? v * 300 : v }.Feed(new RunAnalyzer("r"));
        Assert.Equal([300L, 700L], a.Alerts.Where(x => x.Kind == AlertKind.LossSpike).Select(x => x.Step));
    }

    [Fact]
    public void ObserveScalar_HeldOutLossKeepsJumping_Oscillation()
    {
        var a = new HealthyRun
        {
            Seed = 14,
            Steps = 1500,
            ValLoss = (s, clean) => (s / 20) % 6 == 5 && s > 300 ? 8 * ((1.3 * clean) + 0.05) : (1.3 * clean) + 0.05,
        }.Feed(new RunAnalyzer("r"));
        var alert = a.AssertSingle(AlertKind.Oscillation);
        Assert.Equal("val/loss", alert.Tag);
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
    }

    [Fact]
    public void ObserveScalar_TrainingLossSpikesRepeatedly_Oscillation()
    {
        var a = new HealthyRun { Seed = 15, TrainLoss = (s, v) => s is 400 or 450 or 520 ? v * 200 : v }.Feed(new RunAnalyzer("r"));
        Assert.Equal(520, a.AssertSingle(AlertKind.Oscillation).Step);
    }
}
