using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>Each rule can be switched off by the kind it raises (<see cref="AnalysisOptions.DisabledRules"/>).</summary>
public sealed class RuleSwitchTests
{
    [Fact]
    public void ObserveScalar_SpikeRuleSwitchedOff_SameRunRaisesNoSpike()
    {
        static RunAnalyzer Run(AnalysisOptions options) =>
            new HealthyRun { Seed = 12, TrainLoss = (s, v) => s == 500 ? v * 300 : v }.Feed(new RunAnalyzer("r", options));

        Assert.Contains(Run(AnalysisOptions.Default).Alerts, x => x.Kind == AlertKind.LossSpike);
        var off = Run(new AnalysisOptions { DisabledRules = new HashSet<string> { AlertKind.LossSpike } });
        Assert.DoesNotContain(off.Alerts, x => x.Kind == AlertKind.LossSpike);
    }

    [Fact]
    public void ObserveScalar_NanRuleSwitchedOff_OtherRulesStillStopAtTheBreakdown()
    {
        var a = new RunAnalyzer("r", new AnalysisOptions { DisabledRules = new HashSet<string> { AlertKind.NanInf } });
        for (long s = 0; s < 300; s++)
        {
            a.ObserveScalar("train/loss", s, s, s < 100 ? 1.0 / (s + 1) : s == 100 ? double.NaN : 1e6 * s);
        }

        a.Complete();
        Assert.Empty(a.Alerts);
    }

    [Fact]
    public void Validate_UnknownKindSwitchedOff_Throws()
    {
        var options = new AnalysisOptions { DisabledRules = new HashSet<string> { "no_such_kind" } };
        Assert.Throws<ArgumentException>(() => new RunAnalyzer("r", options));
    }
}
