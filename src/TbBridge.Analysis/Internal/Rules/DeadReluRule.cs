using System.Text.RegularExpressions;

namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>dead_relu</c>: a non-negative activation histogram almost all exact zeros for several snapshots (alone when the
/// whole layer is zero, else only while the loss has stalled and never learned); without activations, weight tensors
/// whose gradients are exactly zero while others are not and the loss has stalled.
/// </summary>
internal sealed partial class DeadReluRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.DeadRelu, AlertSeverity.Warning, "activation histograms of ReLU layers (3 snapshots), or per-parameter gradient norms, and a loss");

    private readonly Dictionary<string, int> _deadStreak = new(StringComparer.Ordinal);

    /// <summary>Per parameter tensor: how many of its gradient norms were exactly zero, of how many.</summary>
    private readonly Dictionary<string, (int Zeros, int Total)> _zeroNorms = new(StringComparer.Ordinal);

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override void OnParamGradNorm(string subject, string tag, long step, double wallTime, double norm, bool newRound)
    {
        _zeroNorms.TryGetValue(subject, out var seen);
        _zeroNorms[subject] = (seen.Zeros + (norm == 0 ? 1 : 0), seen.Total + 1);
        if (!newRound)
        {
            return;
        }

        var g = Context.GradientSpread();
        if (g.FirstZero is null || !g.AnyNonZero || !Context.LossStalled() || Context.HasLearned() || Context.IsActive(AlertKind.DeadRelu, "zero-gradients"))
        {
            return;
        }

        // The zero tensors that speak of ReLUs: not a recurrent or gated unit's (a GRU's weight_hh multiplies a zero
        // initial state on a one-step sequence; its gates are sigmoids and tanh), and zero at half or more of their norms.
        ParamNorm? zero = null;
        var zeros = 0;
        foreach (var p in Context.ParamNorms.Values)
        {
            if (p.Count < 3 || !p.Eligible || p.Median() > 0 || IsGated(p.Subject)
                || !_zeroNorms.TryGetValue(p.Subject, out var z) || 2 * z.Zeros < z.Total)
            {
                continue;
            }

            zeros++;
            zero ??= p;
        }

        if (zero is not null)
        {
            Raise(Descriptor, "zero-gradients", step, wallTime, zero.Tag,
                $"the gradients of {zeros} weight tensor(s), {zero.Subject} first, are exactly zero while the loss is not improving: their units never activate (dead ReLUs)",
                Evidence(("zero_gradient_tensors", zeros), ("nonzero_gradient_tensors", g.Eligible)), [zero.Tag]);
        }
    }

    public override void OnHistogram(SignalClassification c, string tag, long step, double wallTime, HistogramSnapshot h)
    {
        if (c.Role != SignalRole.ActivationHistogram)
        {
            return;
        }

        var subject = c.Subject;
        var fraction = IsGated(subject) ? 0 : ZeroFraction(h);
        _deadStreak.TryGetValue(subject, out var streak);
        streak = fraction >= Options.DeadFraction ? streak + 1 : 0;
        _deadStreak[subject] = streak;
        // A layer that is entirely zero is dead whatever the loss does; a mostly-zero one only counts while the loss
        // has had time to improve and has not (high learning rates silence many units of a network that still learns).
        if (streak >= Options.ConsecutiveSnapshots && (h.Max <= 0 || (Context.LossStalled() && !Context.HasLearned())))
        {
            Raise(Descriptor, subject, step, wallTime, tag,
                $"{Fmt(fraction * 100)}% of the outputs of {subject} are exactly zero for {streak} snapshots in a row: its ReLUs are dead",
                Evidence(("zero_fraction", fraction), ("snapshots", streak), ("max", h.Max)));
        }
        else if (streak == 0)
        {
            Context.Clear(AlertKind.DeadRelu, subject);
        }
    }

    /// <summary>A recurrent or gated unit's tensor or output (GRU, LSTM, RNN, attention, sigmoid/tanh gates): not a ReLU.</summary>
    internal static bool IsGated(string subject) => Gated().IsMatch(subject);

    /// <summary>Share of exact zeros in a non-negative (ReLU-like) activation histogram; 0 for anything else.</summary>
    internal static double ZeroFraction(HistogramSnapshot h)
    {
        if (!(h.Num > 0) || h.Min < 0)
        {
            return 0;
        }

        if (h.Max <= 0)
        {
            return 1;
        }

        // Zeros fall in the bucket whose edge is at (or within 1e-9 of the range above) zero; wider first buckets are not counted.
        var edge = Math.Max(1e-9 * h.Max, 1e-12);
        double zeros = 0, total = 0;
        for (var i = 0; i < h.BucketCounts.Count && i < h.BucketLimits.Count; i++)
        {
            total += h.BucketCounts[i];
            if (h.BucketLimits[i] <= edge)
            {
                zeros += h.BucketCounts[i];
            }
        }

        return total > 0 ? zeros / total : 0;
    }

    [GeneratedRegex(@"(?:^|[/_.\-])(?:gru|lstm|rnn|recurrent|attn|attention|self_attn|sigmoid|tanh|gate|gates)\d*(?:$|[/_.\-])|(?:weight|bias)_(?:ih|hh)(?:_l\d+)?|recurrent_kernel", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Gated();
}
