namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// Which rules each hook calls, worked out once per run: only rules that override a hook are called for it, and for
/// scalars only those that watch the point's role, so a point costs the rules that care about it and no more.
/// </summary>
internal sealed class RuleDispatch
{
    public RuleDispatch(IReadOnlyList<AnalysisRule> rules)
    {
        All = [.. rules];
        EveryPoint = Overriding(rules, nameof(AnalysisRule.OnPoint));
        ParamGradNorms = Overriding(rules, nameof(AnalysisRule.OnParamGradNorm));
        Histograms = Overriding(rules, nameof(AnalysisRule.OnHistogram));
        var before = Overriding(rules, nameof(AnalysisRule.BeforeAdd));
        var after = Overriding(rules, nameof(AnalysisRule.AfterAdd));
        var roles = Enum.GetValues<SignalRole>();
        Before = new AnalysisRule[roles.Max(r => (int)r) + 1][];
        After = new AnalysisRule[Before.Length][];
        foreach (var role in roles)
        {
            Before[(int)role] = [.. before.Where(r => r.Watches(role))];
            After[(int)role] = [.. after.Where(r => r.Watches(role))];
        }
    }

    /// <summary>Every rule, in dispatch order (the end of the run calls them all).</summary>
    public AnalysisRule[] All { get; }

    public AnalysisRule[] EveryPoint { get; }

    public AnalysisRule[] ParamGradNorms { get; }

    public AnalysisRule[] Histograms { get; }

    /// <summary>By role: the rules to call before a finite scalar joins its series.</summary>
    public AnalysisRule[][] Before { get; }

    /// <summary>By role: the rules to call after.</summary>
    public AnalysisRule[][] After { get; }

    private static AnalysisRule[] Overriding(IReadOnlyList<AnalysisRule> rules, string hook) =>
        [.. rules.Where(r => r.GetType().GetMethod(hook)!.DeclaringType != typeof(AnalysisRule))];
}
