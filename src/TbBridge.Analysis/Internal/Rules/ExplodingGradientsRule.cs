namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>exploding_gradients</c>: a gradient norm (global, per parameter, or a gradient histogram's L2 norm) above an
/// absolute ceiling; the global norm growing by orders of magnitude over a few rising points; or repeated spike-grade
/// points of the global norm within 100 points.
/// </summary>
internal sealed class ExplodingGradientsRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.ExplodingGradients, AlertSeverity.Warning, "a global or per-parameter gradient norm, or gradient histograms, 1 point");

    private const string Subject = "gradients";

    /// <summary>The newest points whose median is the norm's local level (a spike-grade point is also ten times that).</summary>
    private const int LocalLevelPoints = 16;

    private (int Spikes, double Value, double Median)? _repeated;

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override bool Watches(SignalRole role) => role == SignalRole.GradNorm;

    public override void BeforeAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = Options;
        CheckAbsolute(s.Tag, step, wallTime, x, s.Count > 0 ? s.Median : double.NaN);
        if (FastGrowth.Check(s, x, o.ExplodingGrowthFactor, 1, o.DivergenceRisingPoints) is { } baseline
            && !Context.IsActive(AlertKind.ExplodingGradients, Subject))
        {
            Raise(Descriptor, Subject, step, wallTime, s.Tag, FastGrowth.Message(s, x, baseline, "gradients are exploding"), FastGrowth.Evidence(s, x, baseline));
        }

        var w = s.State<EventWindow>(ScalarSeries.GradSpikeSlot);
        // Spike-grade against the ring and against the newest 16 points alone: a norm that grows tenfold as a network
        // leaves its flat start (a CNN under warm-up, step decay or one-cycle) is a new level, not spikes above it.
        if (s.Count >= o.MinHistory && s.Median > 0 && x >= o.GradSpikeFactor * s.Median
            && Math.Log(x / s.Median) >= o.SpikeMinZ * Math.Max(s.LogSigma, 0.01)
            && x >= o.GradSpikeFactor * s.RecentSpread(LocalLevelPoints).Median)
        {
            w.Add(s.Count + 1);
        }

        w.Trim(s.Count + 1, 100);
        _repeated = w.Count >= o.ExplodingRepeatedSpikes ? (w.Count, x, s.Median) : null;
    }

    public override void AfterAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        if (_repeated is { } r)
        {
            _repeated = null;
            Raise(Descriptor, Subject, step, wallTime, s.Tag,
                $"{s.Tag} spiked to {Options.GradSpikeFactor}x its median or more {r.Spikes} times within 100 points (now {Fmt(r.Value)}, median {Fmt(r.Median)}): gradients are exploding",
                Evidence(("spikes", r.Spikes), ("grad_norm", r.Value), ("median", r.Median)));
        }
    }

    public override void OnParamGradNorm(string subject, string tag, long step, double wallTime, double norm, bool newRound)
    {
        // The parameter's last norms include this one: with one, there is nothing earlier to compare it with.
        var earlier = Context.ParamNorms.TryGetValue(subject, out var p) && p.Count > 1 ? p.Median() : double.NaN;
        CheckAbsolute(tag, step, wallTime, norm, earlier);
    }

    /// <summary>
    /// The ceiling, relative to the tensor's own earlier norms (issue 22: a raw-scale regression's healthy norms can grow
    /// above any absolute ceiling): a norm above <see cref="AnalysisOptions.ExplodingGradNorm"/> counts when it is also
    /// <see cref="AnalysisOptions.GradSpikeFactor"/> times the median of the earlier norms (<paramref name="earlier"/>).
    /// A tensor's first norm has nothing to compare with and is judged by the ceiling alone: an initialisation that blew
    /// up shows there (with a tiny learning rate it stays there, and nothing else would name it).
    /// </summary>
    private void CheckAbsolute(string tag, long step, double wallTime, double norm, double earlier)
    {
        if (norm >= Options.ExplodingGradNorm && (double.IsNaN(earlier) || norm >= Options.GradSpikeFactor * earlier))
        {
            RaiseCeiling(tag, step, wallTime, norm);
        }
    }

    private void RaiseCeiling(string tag, long step, double wallTime, double norm) =>
        Raise(Descriptor, Subject, step, wallTime, tag,
            $"{tag} is {Fmt(norm)} at step {step}, above {Fmt(Options.ExplodingGradNorm)}: gradients are exploding",
            Evidence(("grad_norm", norm), ("threshold", Options.ExplodingGradNorm)));
}
