using System.Globalization;
using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
    private readonly List<ScalarSeries> _trainLosses = [];
    private readonly List<ScalarSeries> _valLosses = [];
    private readonly HashSet<string> _unknownTags = new(StringComparer.Ordinal);
    private long? _lastLrIncreaseStep;
    private long? _lastLrJumpStep;
    private PendingSpike? _pendingSpike;
    private double _lastLr = double.NaN;

    /// <summary>Observes one scalar point. Non-finite values are allowed (they are what <c>nan_inf</c> is about).</summary>
    public void ObserveScalar(string tag, long step, double wallTime, double value)
    {
        ArgumentNullException.ThrowIfNull(tag);
        Touch(step, wallTime);
        var s = GetSeries(tag);
        var c = s.Signal;
        switch (c.Role)
        {
            case SignalRole.Ignored:
                return;
            case SignalRole.Unknown:
                if (_unknownTags.Count < 10_000)
                {
                    _unknownTags.Add(tag);
                }

                return;
            case SignalRole.NonFiniteCount:
                if (!(value <= 0))
                {
                    RaiseNanInf(c.Subject, [c.Subject, tag], step, wallTime, Evidence(("non_finite_count", double.IsFinite(value) ? value : -1)), $"{c.Subject} has {Fmt(value)} NaN/Inf values at step {step}");
                }

                return;
            default:
                break;
        }

        if (!double.IsFinite(value))
        {
            OnNonFiniteScalar(c, tag, step, wallTime, value);
            return;
        }

        ResolvePendingValidationNan(c.Role, step);
        if (AfterBreakdown(step))
        {
            s.Add(step, wallTime, value);
            return;
        }

        switch (c.Role)
        {
            case SignalRole.TrainLoss:
                OnTrainLoss(s, step, wallTime, value);
                break;
            case SignalRole.ValLoss:
                OnValLoss(s, step, wallTime, value);
                break;
            case SignalRole.GradNorm:
                OnGradNorm(s, step, wallTime, value);
                break;
            case SignalRole.ParamGradNorm:
                s.Add(step, wallTime, value);
                OnParamGradNorm(c.Subject, tag, step, wallTime, value);
                break;
            case SignalRole.LearningRate:
                if (value > _lastLr * 1.000001)
                {
                    _lastLrIncreaseStep = step;
                }

                if (value >= 1.5 * _lastLr && _lastLr > 0)
                {
                    _lastLrJumpStep = step; // a warm restart or a step up: the loss may jump on purpose
                }

                _lastLr = value;
                s.Add(step, wallTime, value);
                break;
            default:
                s.Add(step, wallTime, value);
                break;
        }
    }

    /// <summary>The tag's state, classified on first sight (one dictionary lookup per point).</summary>
    private ScalarSeries GetSeries(string tag)
    {
        if (!_series.TryGetValue(tag, out var s))
        {
            var c = Classify(tag, SignalKind.Scalar);
            s = new ScalarSeries(tag, c);
            _series.Add(tag, s);
            if (c.Role == SignalRole.TrainLoss)
            {
                _trainLosses.Add(s);
            }
            else if (c.Role == SignalRole.ValLoss)
            {
                _valLosses.Add(s);
            }
        }

        return s;
    }

    private void OnTrainLoss(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = _options;
        CheckSpike(s, step, wallTime, x);
        CheckFastGrowth(s, step, wallTime, x, o.DivergenceFactor, AlertKind.Divergence, AlertSeverity.Critical, "training", minHistory: 1);
        s.Add(step, wallTime, x);
        if (!s.Refreshed)
        {
            return;
        }

        if (s.Count >= 2 * ScalarSeries.Capacity && s.BestSmoothLevel > 0
            && s.Level >= o.SlowDivergenceFactor * s.BestSmoothLevel && s.Level >= 1.5 * s.Initial)
        {
            Raise(AlertKind.Divergence, AlertSeverity.Critical, "training", step, wallTime, s.Tag,
                $"{s.Tag} climbed to {Fmt(s.Level)}, {Fmt(s.Level / s.BestSmoothLevel)}x its best level and above where it started ({Fmt(s.Initial)}): training is diverging",
                Evidence(("level", s.Level), ("best_level", s.BestSmoothLevel), ("initial_level", s.Initial)));
        }

        CheckFarAboveStart(s, step, wallTime);
        CheckPlateau(s, final: false);
    }

    /// <summary>
    /// Divergence at any speed: the smoothed level (median of at least 8 points) is <see cref="AnalysisOptions.DivergenceAboveStart"/>
    /// times the level of the untrained model, and that is 4 standard errors beyond the noise of both medians — so a loss
    /// that rose while the learning rate warmed up, zig-zagging too much for the fast rule, is still caught. Only the
    /// main training loss: auxiliary terms (a KL term under annealing, a GAN's generator loss) may rise by design.
    /// </summary>
    private void CheckFarAboveStart(ScalarSeries s, long step, double wallTime)
    {
        var o = _options;
        if (s.LevelPoints < 8 || !(s.Initial > 0) || !(s.Level >= o.DivergenceAboveStart * s.Initial)
            || IsActive(AlertKind.Divergence, "training") || !ReferenceEquals(s, PrimaryLoss()))
        {
            return;
        }

        var standardError = s.LogNoise * RobustStats.MedianEfficiency * Math.Sqrt((1.0 / s.InitialPoints) + (1.0 / s.LevelPoints));
        var z = Math.Log(s.Level / s.Initial) / Math.Max(standardError, 0.01);
        if (z >= 4)
        {
            Raise(AlertKind.Divergence, AlertSeverity.Critical, "training", step, wallTime, s.Tag,
                $"{s.Tag} is at {Fmt(s.Level)}, {Fmt(s.Level / s.Initial)}x where it started ({Fmt(s.Initial)}): training is diverging",
                Evidence(("level", s.Level), ("initial_level", s.Initial), ("ratio", s.Level / s.Initial), ("z", z)));
        }
    }

    private void OnValLoss(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = _options;
        // An excursion is at least OscillationFactor times the median; for a noisy held-out loss (evaluated on a small
        // batch) 2.5 robust sigmas above it, capped at 1.5x the factor (the excursions themselves widen the spread).
        if (s.Count >= 5 && s.Median > 0 && x >= o.OscillationFactor * s.Median
            && x >= Math.Min(Math.Exp(2.5 * s.LogSigma), 1.5 * o.OscillationFactor) * s.Median)
        {
            if (!s.InExcursion)
            {
                s.InExcursion = true;
                s.Events.Enqueue(s.Count + 1);
            }
        }
        else
        {
            s.InExcursion = false;
        }

        TrimEvents(s, s.Count + 1, o.OscillationWindow);
        if (s.Events.Count >= o.OscillationMinExcursions)
        {
            Raise(AlertKind.Oscillation, AlertSeverity.Warning, s.Tag, step, wallTime, s.Tag,
                $"{s.Tag} jumped to {o.OscillationFactor}x its median or more {s.Events.Count} times in its last {o.OscillationWindow} points: training is unstable",
                Evidence(("excursions", s.Events.Count), ("window_points", o.OscillationWindow), ("value", x), ("median", s.Median)));
        }

        s.Add(step, wallTime, x);
        CheckOverfitting(s, step, wallTime);
        if (s.Refreshed)
        {
            CheckPlateau(s, final: false);
        }
    }

    private void OnGradNorm(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = _options;
        CheckExplodingAbsolute(s.Tag, step, wallTime, x);
        CheckFastGrowth(s, step, wallTime, x, o.ExplodingGrowthFactor, AlertKind.ExplodingGradients, AlertSeverity.Warning, "gradients", minHistory: 1);
        if (LossConfirmsGrowth())
        {
            CheckFastGrowth(s, step, wallTime, x, o.DivergenceFactor, AlertKind.Divergence, AlertSeverity.Critical, "training", o.MinHistory);
        }

        if (s.Count >= o.MinHistory && s.Median > 0 && x >= o.GradSpikeFactor * s.Median
            && Math.Log(x / s.Median) >= o.SpikeMinZ * Math.Max(s.LogSigma, 0.01))
        {
            s.Events.Enqueue(s.Count + 1);
        }

        TrimEvents(s, s.Count + 1, 100);
        if (s.Events.Count >= o.ExplodingRepeatedSpikes)
        {
            Raise(AlertKind.ExplodingGradients, AlertSeverity.Warning, "gradients", step, wallTime, s.Tag,
                $"{s.Tag} spiked to {o.GradSpikeFactor}x its median or more {s.Events.Count} times within 100 points (now {Fmt(x)}, median {Fmt(s.Median)}): gradients are exploding",
                Evidence(("spikes", s.Events.Count), ("grad_norm", x), ("median", s.Median)));
        }

        s.Add(step, wallTime, x);
        if (s.Refreshed && s.Count >= 50 && s.Level < o.VanishingGradNorm && LossStalled())
        {
            Raise(AlertKind.VanishingGradients, AlertSeverity.Warning, "gradients", step, wallTime, s.Tag,
                $"{s.Tag} is {Fmt(s.Level)}, below {Fmt(o.VanishingGradNorm)}, while the loss is not improving: gradients have vanished",
                Evidence(("grad_norm_level", s.Level), ("threshold", o.VanishingGradNorm)));
        }
    }

    private void CheckSpike(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = _options;
        var isSpike = false;
        if (s.Count >= o.MinHistory && s.Median > 0 && x >= o.SpikeFactor * s.Median)
        {
            var z = Math.Log(x / s.Median) / Math.Max(s.LogSigma, 0.01);
            if (z >= o.SpikeMinZ)
            {
                // Held until a later step is seen: the learning rate of the same step may still arrive and show a warm
                // restart or a step up, after which a jump of the loss is intended.
                isSpike = true;
                FlushPendingSpike(long.MaxValue);
                _pendingSpike = new PendingSpike(s, step, wallTime, x, s.Median, z, s.Count + 1);
                s.LastEventCount = s.Count + 1;
            }
        }

        if (!isSpike && s.Count + 1 - s.LastEventCount >= 50)
        {
            Clear(AlertKind.LossSpike, s.Tag);
        }
    }

    /// <summary>Reports the held spike once a point of a later step arrives (or the run completes).</summary>
    private void FlushPendingSpike(long currentStep)
    {
        if (_pendingSpike is not { } p || currentStep <= p.Step)
        {
            return;
        }

        _pendingSpike = null;
        if (_lastLrJumpStep is { } jump && p.Step >= jump && p.Step - jump <= 50)
        {
            return;
        }

        var s = p.Series;
        var o = _options;
        s.Events.Enqueue(p.Index);
        TrimEvents(s, p.Index, 10 * o.OscillationWindow);
        Raise(AlertKind.LossSpike, AlertSeverity.Warning, s.Tag, p.Step, p.WallTime, s.Tag,
            $"{s.Tag} spiked to {Fmt(p.Value)} at step {p.Step}, {Fmt(p.Value / p.Median)}x its recent median of {Fmt(p.Median)}",
            Evidence(("value", p.Value), ("median", p.Median), ("ratio", p.Value / p.Median), ("robust_z", p.Z)));
        if (s.Events.Count >= o.OscillationMinExcursions)
        {
            Raise(AlertKind.Oscillation, AlertSeverity.Warning, s.Tag, p.Step, p.WallTime, s.Tag,
                $"{s.Tag} spiked {s.Events.Count} times in its last {10 * o.OscillationWindow} points: training is unstable",
                Evidence(("spikes", s.Events.Count), ("window_points", 10 * o.OscillationWindow)));
        }
    }

    private sealed record PendingSpike(ScalarSeries Series, long Step, double WallTime, double Value, double Median, double Z, long Index);

    private void CheckFastGrowth(ScalarSeries s, long step, double wallTime, double x, double factor, string kind, AlertSeverity severity, string subject, int minHistory)
    {
        if (s.Count < Math.Max(2, minHistory) || !(x > s.Last) || s.Rising + 1 < _options.DivergenceRisingPoints || IsActive(kind, subject))
        {
            return;
        }

        var (baseline, max) = s.Baseline(skipNewest: 1);
        if (baseline > 0 && s.Last >= factor * baseline && x >= factor * baseline && x > max)
        {
            Raise(kind, severity, subject, step, wallTime, s.Tag,
                $"{s.Tag} rose {s.Rising + 1} points in a row to {Fmt(x)}, {Fmt(x / baseline)}x its earlier median of {Fmt(baseline)}: {(kind == AlertKind.Divergence ? "training is diverging" : "gradients are exploding")}",
                Evidence(("value", x), ("baseline_median", baseline), ("ratio", x / baseline), ("rising_points", s.Rising + 1)));
        }
    }

    /// <summary>A gradient norm that runs away is divergence only if the loss moves up with it (or no loss is logged).</summary>
    private bool LossConfirmsGrowth()
    {
        var loss = PrimaryLoss();
        return loss is null || (loss.Median > 0 && loss.Last >= 2 * loss.Median);
    }

    private static void TrimEvents(ScalarSeries s, long now, int window)
    {
        while (s.Events.Count > 0 && s.Events.Peek() <= now - window)
        {
            s.Events.Dequeue();
        }
    }

    /// <summary>The training loss with the most points, or the held-out loss when there is none.</summary>
    private ScalarSeries? PrimaryLoss()
    {
        ScalarSeries? best = null;
        foreach (var s in _trainLosses)
        {
            if (best is null || s.Count > best.Count)
            {
                best = s;
            }
        }

        return best;
    }

    /// <summary>
    /// True when the primary loss had time to improve (100 per-step or 10 sparse points) and its level is still above
    /// (1 - <see cref="AnalysisOptions.LearnedFraction"/>) of its start; also true when no loss is logged at all (the gradients are then the only evidence).
    /// </summary>
    private bool LossStalled()
    {
        var s = PrimaryLoss() ?? (_valLosses.Count > 0 ? _valLosses[0] : null);
        return s is null || (s.Count >= (s.IsSparse ? 10 : 100) && !(s.Initial > 0 && s.Level <= (1 - _options.LearnedFraction) * s.Initial));
    }

    internal static string Fmt(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    private static Dictionary<string, double> Evidence(params (string Name, double Value)[] items)
    {
        var d = new Dictionary<string, double>(items.Length, StringComparer.Ordinal);
        foreach (var (name, value) in items)
        {
            d[name] = value;
        }

        return d;
    }
}
