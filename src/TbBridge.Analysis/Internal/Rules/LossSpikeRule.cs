namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>loss_spike</c>: a training-loss point far above its rolling median, significantly, and clear of the loss's own heavy
/// tail; held until the tag's next point, which must show it came back (and by which a learning-rate jump at the same
/// step has arrived to excuse it). Repeated spikes within 10 oscillation windows are also
/// <c>oscillation</c> (the per-step form: a training loss that keeps jumping).
/// </summary>
internal sealed class LossSpikeRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.LossSpike, AlertSeverity.Warning, "a training loss, 20 points (5 of an epoch-level loss)");

    public static readonly RuleDescriptor RepeatedDescriptor = new(AlertKind.Oscillation, AlertSeverity.Warning, "a training loss, 3 spikes within 200 points");

    /// <summary>Points a sparse (epoch-level) loss needs before the short-curve form judges it.</summary>
    private const int ShortCurveMinPoints = 5;

    /// <summary>The short window (newest points) whose own median and spread a trend barely widens, and whose maximum is the tail.</summary>
    private const int RecentWindow = 20;

    /// <summary>A batch loss whose ring already holds a 3-sigma point is heavy-tailed: a spike must be this many times the maximum of its newest 20 points.</summary>
    private const double TailFactor = 4;

    /// <summary>A point this many robust sigmas above the ring's median is part of the loss's heavy tail.</summary>
    private const double HeavyTailZ = 3;

    /// <summary>
    /// A spike comes back: the tag's next point gives back at least this share of the jump above the median, in log space
    /// (one bad batch, not a new level; the model a corrupted batch knocked back may stay well above its old level).
    /// </summary>
    private const double ComeBackShare = 1.0 / 3;

    private PendingSpike? _pending;

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor, RepeatedDescriptor];

    public override bool Watches(SignalRole role) => role == SignalRole.TrainLoss;

    public override void OnComplete() => Report(next: double.NaN);

    public override void BeforeAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        if (s.RunningMean)
        {
            return; // its epoch starts are single batches beside averages; the epoch-level loss carries the spikes
        }

        if (_pending is { } held && ReferenceEquals(held.Series, s) && step > held.Step)
        {
            Report(next: x);
        }

        var o = Options;
        var w = Window(s);
        var isSpike = false;
        // A short curve (an epoch-level loss: 10 to 100 points a run) is judged from 5 points, on size alone: a point
        // ShortSpikeFactor times the median of all before it; too few points for a spread to be significant against.
        var shortCurve = s.Count >= ShortCurveMinPoints && s.Count < o.MinHistory && s.IsSparse;
        if (s.Median > 0 && ((s.Count >= o.MinHistory && x >= o.SpikeFactor * s.Median) || (shortCurve && x >= o.ShortSpikeFactor * s.Median)))
        {
            // Significance against the whole ring, or against the newest 20 points alone (a falling curve widens the
            // ring's spread, not theirs); and clear of a heavy tail: a batch loss whose ring already holds a 3-sigma point
            // must rise TailFactor times above the largest of its newest 20 points (an epoch mean has no such tail).
            // The ring's statistics are cached; the newest 20 points' are asked only when the ring's test fails, and the
            // point-to-point noise (their floor: 20 points are a small sample) only when their own spread would pass.
            var sigma = Math.Max(s.LogSigma, 0.01);
            var z = Math.Log(x / s.Median) / sigma;
            var ringZ = z;
            if (z < o.SpikeMinZ && !shortCurve)
            {
                var r = s.RecentSpread(RecentWindow);
                if (r.Median > 0 && Math.Log(x / r.Median) >= o.SpikeMinZ * Math.Max(r.LogSigma, 0.01))
                {
                    z = Math.Log(x / r.Median) / Math.Max(Math.Max(r.LogSigma, s.LogNoise), 0.01);
                }
            }

            // A short batch-loss curve (Lightning's every-5-steps loss) has too few points to show its tail: it must clear its maximum.
            // An epoch mean past 20 points is also judged on size alone: ShortSpikeFactor times the largest of its newest 5
            // points (a curve of tiny losses falls decades in 20 epochs, so its spread hides a x200 epoch; no healthy epoch
            // mean jumps tenfold above all of its last 5).
            var significant = z >= o.SpikeMinZ || shortCurve
                || (s.IsEpochMean && s.Count >= o.MinHistory && x >= o.ShortSpikeFactor * s.RecentMax(ShortCurveMinPoints));
            // The tail is also remembered over the whole run (the ring of 64 may hold none of a 1-in-30 outlier batch): a
            // spike must then be TailFactor times the largest ratio to its median that a tail point reached.
            var heavyTail = significant && !s.IsEpochMean && (shortCurve || w.TailRatio > 0 || s.Baseline(skipNewest: 0).Max >= s.Median * Math.Exp(3 * sigma));
            if (significant && (!heavyTail || (x >= TailFactor * s.RecentMax(RecentWindow) && x >= TailFactor * w.TailRatio * s.Median)))
            {
                // Held until the tag's next point: it must come back (one bad batch, not a new level), and the learning
                // rate of the same step may still arrive and show a warm restart or a step up, after which a jump is intended.
                isSpike = true;
                Report(next: double.NaN);
                _pending = new PendingSpike(s, step, wallTime, x, s.Median, z, s.Count + 1);
                w.LastEvent = s.Count + 1;
            }

            if (!isSpike && !s.IsEpochMean && ringZ >= HeavyTailZ)
            {
                w.TailRatio = Math.Max(w.TailRatio, x / s.Median);
            }
        }

        // 50 points without a spike end the episode; the context re-arms the alert after its recovery points.
        if (!isSpike && w.Reported && s.Count + 1 - w.LastEvent >= 50 && Context.Clear(AlertKind.LossSpike, s.Tag))
        {
            w.Reported = false;
        }
    }

    /// <summary>
    /// Reports the held spike once the tag's next point <paramref name="next"/> shows it came back (NaN: the run ended,
    /// or another loss tag spiked, before that point arrived).
    /// </summary>
    private void Report(double next)
    {
        if (_pending is not { } p)
        {
            return;
        }

        _pending = null;
        if ((Context.LastLrJumpStep is { } jump && p.Step >= jump && p.Step - jump <= 50) || Math.Log(p.Value / next) < ComeBackShare * Math.Log(p.Value / p.Median))
        {
            return;
        }

        var s = p.Series;
        var o = Options;
        var w = Window(s);
        w.Add(p.Index);
        w.Trim(p.Index, 10 * o.OscillationWindow);
        w.Reported = true;
        Raise(Descriptor, s.Tag, p.Step, p.WallTime, s.Tag,
            $"{s.Tag} spiked to {Fmt(p.Value)} at step {p.Step}, {Fmt(p.Value / p.Median)}x its recent median of {Fmt(p.Median)}",
            Evidence(("value", p.Value), ("median", p.Median), ("ratio", p.Value / p.Median), ("robust_z", p.Z)));
        if (w.Count >= o.OscillationMinExcursions)
        {
            Raise(RepeatedDescriptor, s.Tag, p.Step, p.WallTime, s.Tag,
                $"{s.Tag} spiked {w.Count} times in its last {10 * o.OscillationWindow} points: training is unstable",
                Evidence(("spikes", w.Count), ("window_points", 10 * o.OscillationWindow)));
        }
    }

    private static EventWindow Window(ScalarSeries s) => s.State<EventWindow>(ScalarSeries.SpikeSlot);

    private sealed record PendingSpike(ScalarSeries Series, long Step, double WallTime, double Value, double Median, double Z, long Index);
}
