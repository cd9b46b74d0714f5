namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>vanishing_gradients</c>: the smallest weight tensor's gradient norm is orders of magnitude below the largest
/// (≥ 3 tensors), or the global norm's level is below a floor — only while the loss has stalled (a converged model
/// has tiny gradients too).
/// </summary>
internal sealed class VanishingGradientsRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.VanishingGradients, AlertSeverity.Warning, "per-parameter gradient norms or gradient histograms of 3 weight tensors, or a global norm (50 points), and a loss");

    private const string Subject = "gradients";

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override bool Watches(SignalRole role) => role == SignalRole.GradNorm;

    public override void AfterAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = Options;
        if (s.Refreshed && s.Count >= 50 && s.Level < o.VanishingGradNorm && Context.LossStalled())
        {
            Raise(Descriptor, Subject, step, wallTime, s.Tag,
                $"{s.Tag} is {Fmt(s.Level)}, below {Fmt(o.VanishingGradNorm)}, while the loss is not improving: gradients have vanished",
                Evidence(("grad_norm_level", s.Level), ("threshold", o.VanishingGradNorm)));
        }
    }

    public override void OnParamGradNorm(string subject, string tag, long step, double wallTime, double norm, bool newRound)
    {
        if (!newRound)
        {
            return;
        }

        var g = Context.GradientSpread();
        if (g.Eligible < 3 || g.Lowest is not { } lo || g.Highest is not { } hi || g.LowestNorm / g.HighestNorm >= Options.VanishingRatio || !Context.LossStalled())
        {
            return;
        }

        Raise(Descriptor, Subject, step, wallTime, lo.Tag,
            $"gradient norm of {lo.Subject} ({Fmt(g.LowestNorm)}) is {Fmt(g.HighestNorm / g.LowestNorm)}x smaller than that of {hi.Subject} ({Fmt(g.HighestNorm)}), and the loss is not improving: gradients vanish before reaching the first layers",
            Evidence(("smallest_norm", g.LowestNorm), ("largest_norm", g.HighestNorm), ("ratio", g.LowestNorm / g.HighestNorm), ("parameters", g.Eligible)),
            [lo.Tag, hi.Tag]);
    }
}
