namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>oscillation</c> on a held-out loss: repeated excursions to several times its rolling median within a window of
/// its points (the per-step training-loss form, repeated spikes, is <see cref="LossSpikeRule"/>'s).
/// </summary>
internal sealed class OscillationRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.Oscillation, AlertSeverity.Warning, "a held-out loss, 5 points");

    private readonly Dictionary<ScalarSeries, EventWindow> _excursions = [];

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override bool Watches(SignalRole role) => role == SignalRole.ValLoss;

    public override void BeforeAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = Options;
        if (!_excursions.TryGetValue(s, out var w))
        {
            w = new EventWindow();
            _excursions.Add(s, w);
        }

        // An excursion is at least OscillationFactor times the median; for a noisy held-out loss (evaluated on a small
        // batch) 2.5 robust sigmas above it, capped at 1.5x the factor (the excursions themselves widen the spread).
        if (s.Count >= 5 && s.Median > 0 && x >= o.OscillationFactor * s.Median
            && x >= Math.Min(Math.Exp(2.5 * s.LogSigma), 1.5 * o.OscillationFactor) * s.Median)
        {
            if (!w.InExcursion)
            {
                w.InExcursion = true;
                w.Add(s.Count + 1);
            }
        }
        else
        {
            w.InExcursion = false;
        }

        w.Trim(s.Count + 1, o.OscillationWindow);
        if (w.Count >= o.OscillationMinExcursions)
        {
            Raise(Descriptor, s.Tag, step, wallTime, s.Tag,
                $"{s.Tag} jumped to {o.OscillationFactor}x its median or more {w.Count} times in its last {o.OscillationWindow} points: training is unstable",
                Evidence(("excursions", w.Count), ("window_points", o.OscillationWindow), ("value", x), ("median", s.Median)));
        }
    }
}
