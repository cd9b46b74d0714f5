namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>exploding_gradients</c>: a gradient norm (global, per parameter, or a gradient histogram's L2 norm) above an
/// absolute ceiling; the global norm growing by orders of magnitude over a few rising points; or repeated spike-grade
/// points of the global norm within 100 points.
/// </summary>
internal sealed class ExplodingGradientsRule : AnalysisRule
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.ExplodingGradients, AlertSeverity.Warning, "a global or per-parameter gradient norm, or gradient histograms, 2 points of a tensor (1 and the breakdown)");

    private const string Subject = "gradients";

    /// <summary>The newest points whose median is the norm's local level (a spike-grade point is also ten times that).</summary>
    private const int LocalLevelPoints = 16;

    private (int Spikes, double Value, double Median)? _repeated;

    /// <summary>A first norm above the ceiling, with no earlier norm of its tensor to compare it with: held (see <see cref="CheckAbsolute"/>).</summary>
    private (string Key, string Tag, long Step, double WallTime, double Norm)? _heldCeiling;

    public ExplodingGradientsRule(RunContext context)
        : base(context) =>
        context.BrokeDown += () =>
        {
            if (_heldCeiling is { } h)
            {
                _heldCeiling = null;
                RaiseCeiling(h.Tag, h.Step, h.WallTime, h.Norm);
            }
        };

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override bool Watches(SignalRole role) => role == SignalRole.GradNorm;

    public override void BeforeAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = Options;
        CheckAbsolute(s.Tag, s.Tag, step, wallTime, x, s.Count > 0 ? s.Median : double.NaN);
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
        CheckAbsolute(subject, tag, step, wallTime, norm, earlier);
    }

    /// <summary>
    /// The ceiling, relative to the tensor's own earlier norms (issue 22: a raw-scale regression's healthy norms can sit
    /// above any absolute ceiling): a norm above <see cref="AnalysisOptions.ExplodingGradNorm"/> counts when it is also
    /// <see cref="AnalysisOptions.GradSpikeFactor"/> times the median of the earlier norms (<paramref name="earlier"/>).
    /// A first norm above the ceiling has nothing to compare with: an initialisation that blew up, or a large-scale loss.
    /// It is held, and reported when the run breaks down, or when the tensor's next norm is ten times lower (the first one
    /// was a burst against the run's own norms); otherwise dropped (a norm that keeps climbing is the growth form's).
    /// </summary>
    private void CheckAbsolute(string key, string tag, long step, double wallTime, double norm, double earlier)
    {
        var ceiling = Options.ExplodingGradNorm;
        if (_heldCeiling is { } h && h.Key == key && step > h.Step)
        {
            _heldCeiling = null;
            if (h.Norm >= Options.GradSpikeFactor * norm)
            {
                RaiseCeiling(h.Tag, h.Step, h.WallTime, h.Norm);
            }
        }

        if (norm < ceiling)
        {
            return;
        }

        if (double.IsNaN(earlier))
        {
            _heldCeiling ??= (key, tag, step, wallTime, norm);
        }
        else if (norm >= Options.GradSpikeFactor * earlier)
        {
            RaiseCeiling(tag, step, wallTime, norm);
        }
    }

    private void RaiseCeiling(string tag, long step, double wallTime, double norm) =>
        Raise(Descriptor, Subject, step, wallTime, tag,
            $"{tag} is {Fmt(norm)} at step {step}, above {Fmt(Options.ExplodingGradNorm)}: gradients are exploding",
            Evidence(("grad_norm", norm), ("threshold", Options.ExplodingGradNorm)));
}
