namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// Every rule, in dispatch order. The order is part of the behaviour: where two rules see the same point, the alert of
/// the one listed first comes first (the spike before divergence on a training loss; overfitting before plateau on a
/// held-out loss; at the end, the held spike, then the held-out NaN, then plateau, weights and unrecognised tags).
/// </summary>
internal static class RuleCatalog
{
    public static List<AnalysisRule> Create(RunContext context, NanInfRule nanInf) =>
    [
        new LossSpikeRule(context),
        nanInf,
        new DivergenceRule(context),
        new ExplodingGradientsRule(context),
        new DeadReluRule(context),
        new VanishingGradientsRule(context),
        new OscillationRule(context),
        new OverfittingRule(context),
        new PlateauRule(context),
        new ClassCollapseRule(context),
        new WeightsUnchangedRule(context),
        new UnrecognizedSignalsRule(context),
    ];
}
