using System.Text.RegularExpressions;
using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
    private readonly Dictionary<string, ParamNorm> _paramNorms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WeightTrack> _weights = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _deadStreak = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Streak, bool SeenDiverse)> _predictions = new(StringComparer.Ordinal);
    private string? _firstParamSubject;

    /// <summary>Observes one histogram point.</summary>
    public void ObserveHistogram(string tag, long step, double wallTime, HistogramSnapshot histogram)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(histogram);
        Touch(step, wallTime);
        var c = Classify(tag, SignalKind.Histogram);
        if (c.Role == SignalRole.Unknown)
        {
            if (_unknownTags.Count < 10_000)
            {
                _unknownTags.Add(tag);
            }

            return;
        }

        if (histogram.HasNonFinite && IsTrainingSide(c.Role))
        {
            RaiseNanInf(tag, [tag], step, wallTime,
                Evidence(("nan_count", histogram.NanCount), ("inf_count", histogram.InfCount), ("min", Finite(histogram.Min)), ("max", Finite(histogram.Max))),
                $"{tag} holds NaN/Inf values at step {step}: training has broken down");
            return;
        }

        if (AfterBreakdown(step))
        {
            return;
        }

        ResolvePendingValidationNan(c.Role, step);
        switch (c.Role)
        {
            case SignalRole.GradHistogram:
                OnParamGradNorm(c.Subject, tag, step, wallTime, histogram.L2Norm);
                break;
            case SignalRole.WeightHistogram:
                OnWeights(c.Subject, tag, step, histogram);
                break;
            case SignalRole.ActivationHistogram:
                OnActivations(c.Subject, tag, step, wallTime, histogram);
                break;
            case SignalRole.Predictions:
                OnPredictions(tag, step, wallTime, histogram);
                break;
            default:
                break;
        }
    }

    private void CheckExplodingAbsolute(string tag, long step, double wallTime, double norm)
    {
        if (norm >= _options.ExplodingGradNorm)
        {
            Raise(AlertKind.ExplodingGradients, AlertSeverity.Warning, "gradients", step, wallTime, tag,
                $"{tag} is {Fmt(norm)} at step {step}, above {Fmt(_options.ExplodingGradNorm)}: gradients are exploding",
                Evidence(("grad_norm", norm), ("threshold", _options.ExplodingGradNorm)));
        }
    }

    private void OnParamGradNorm(string subject, string tag, long step, double wallTime, double norm)
    {
        CheckExplodingAbsolute(tag, step, wallTime, norm);
        if (!_paramNorms.TryGetValue(subject, out var p))
        {
            p = new ParamNorm(subject, tag, !ExemptFromVanishing().IsMatch(subject));
            _paramNorms.Add(subject, p);
            _firstParamSubject ??= subject;
        }

        p.Add(norm);
        if (subject == _firstParamSubject)
        {
            CheckVanishingRatio(step, wallTime);
        }
    }

    private void CheckVanishingRatio(long step, double wallTime)
    {
        ParamNorm? lo = null;
        ParamNorm? hi = null;
        double loV = double.PositiveInfinity, hiV = 0;
        var eligible = 0;
        ParamNorm? zero = null;
        var zeros = 0;
        var anyNonZero = false;
        foreach (var p in _paramNorms.Values)
        {
            if (p.Count < 3)
            {
                continue;
            }

            var m = p.Median();
            anyNonZero |= m > 0;
            if (!p.Eligible)
            {
                continue;
            }

            if (!(m > 0))
            {
                // Exact zeros are not a gradient that shrank: no signal flows back through the layer's units at all.
                zeros++;
                zero ??= p;
                continue;
            }

            eligible++;
            if (m < loV)
            {
                (lo, loV) = (p, m);
            }

            if (m > hiV)
            {
                (hi, hiV) = (p, m);
            }
        }

        if (zero is not null && anyNonZero && LossStalled() && !HasLearned())
        {
            Raise(AlertKind.DeadRelu, AlertSeverity.Warning, "zero-gradients", step, wallTime, zero.Tag,
                $"the gradients of {zeros} weight tensor(s), {zero.Subject} first, are exactly zero while the loss is not improving: their units never activate (dead ReLUs)",
                Evidence(("zero_gradient_tensors", zeros), ("nonzero_gradient_tensors", eligible)), [zero.Tag]);
        }

        if (eligible < 3 || lo is null || hi is null || loV / hiV >= _options.VanishingRatio || !LossStalled())
        {
            return;
        }

        Raise(AlertKind.VanishingGradients, AlertSeverity.Warning, "gradients", step, wallTime, lo.Tag,
            $"gradient norm of {lo.Subject} ({Fmt(loV)}) is {Fmt(hiV / loV)}x smaller than that of {hi.Subject} ({Fmt(hiV)}), and the loss is not improving: gradients vanish before reaching the first layers",
            Evidence(("smallest_norm", loV), ("largest_norm", hiV), ("ratio", loV / hiV), ("parameters", eligible)),
            [lo.Tag, hi.Tag]);
    }

    private void OnWeights(string subject, string tag, long step, HistogramSnapshot h)
    {
        if (!_weights.TryGetValue(subject, out var w))
        {
            _weights.Add(subject, new WeightTrack(tag, h, step));
            return;
        }

        if (step > w.LastStep)
        {
            w.Last = h;
            w.LastStep = step;
            w.Snapshots++;
        }
    }

    private void OnActivations(string subject, string tag, long step, double wallTime, HistogramSnapshot h)
    {
        var fraction = ZeroFraction(h);
        _deadStreak.TryGetValue(subject, out var streak);
        streak = fraction >= _options.DeadFraction ? streak + 1 : 0;
        _deadStreak[subject] = streak;
        // A layer that is entirely zero is dead whatever the loss does; a mostly-zero one only counts while the loss
        // has had time to improve and has not (high learning rates silence many units of a network that still learns).
        if (streak >= _options.ConsecutiveSnapshots && (h.Max <= 0 || (LossStalled() && !HasLearned())))
        {
            Raise(AlertKind.DeadRelu, AlertSeverity.Warning, subject, step, wallTime, tag,
                $"{Fmt(fraction * 100)}% of the outputs of {subject} are exactly zero for {streak} snapshots in a row: its ReLUs are dead",
                Evidence(("zero_fraction", fraction), ("snapshots", streak), ("max", h.Max)));
        }
        else if (streak == 0)
        {
            Clear(AlertKind.DeadRelu, subject);
        }
    }

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

    private void OnPredictions(string tag, long step, double wallTime, HistogramSnapshot h)
    {
        var share = TopShare(h);
        _predictions.TryGetValue(tag, out var st);
        // Diverse *after* learning: a model that first predicts the majority class of an imbalanced set is learning the
        // prior, not collapsing.
        st.SeenDiverse |= share <= 0.6 && HasLearned();
        st.Streak = share >= _options.CollapseShare ? st.Streak + 1 : 0;
        _predictions[tag] = st;
        if (st.Streak >= _options.ConsecutiveSnapshots && st.SeenDiverse)
        {
            Raise(AlertKind.ClassCollapse, AlertSeverity.Warning, tag, step, wallTime, tag,
                $"{Fmt(share * 100)}% of predictions in {tag} are one class for {st.Streak} snapshots in a row, after the model had learned to tell classes apart",
                Evidence(("top_class_share", share), ("snapshots", st.Streak)));
        }
        else if (st.Streak == 0)
        {
            Clear(AlertKind.ClassCollapse, tag);
        }
    }

    internal static double TopShare(HistogramSnapshot h)
    {
        if (h.Num > 0 && h.Min == h.Max)
        {
            return 1;
        }

        double top = 0, total = 0;
        foreach (var c in h.BucketCounts)
        {
            total += c;
            top = Math.Max(top, c);
        }

        return total > 0 ? top / total : 0;
    }

    /// <summary>The held-out loss (else the training loss) fell at least <see cref="AnalysisOptions.LearnedFraction"/> below its start at some point.</summary>
    private bool HasLearned()
    {
        var s = _valLosses.Count > 0 ? _valLosses[0] : PrimaryLoss();
        return s is not null && s.StartLevel > 0 && s.BestLevel <= (1 - _options.LearnedFraction) * s.StartLevel;
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;

    [GeneratedRegex(@"(?:^|[/_.\-])(?:bias|b|beta|gamma|bn\d*|norm|layernorm|ln\d*|batchnorm|running_\w+)(?:$|[/_.\-])|bias$|norm\d*(?:$|[/_.\-])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExemptFromVanishing();
}
