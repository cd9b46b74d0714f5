namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>loss_spike</c>: a training-loss point far above its rolling median, significantly; held until a later step so a
/// learning-rate jump at the same step can excuse it. Repeated spikes within 10 oscillation windows are also
/// <c>oscillation</c> (the per-step form: a training loss that keeps jumping).
/// </summary>
internal sealed class LossSpikeRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.LossSpike, AlertSeverity.Warning, "a training loss, 20 points (5 of an epoch-level loss)");

    public static readonly RuleDescriptor RepeatedDescriptor = new(AlertKind.Oscillation, AlertSeverity.Warning, "a training loss, 3 spikes within 200 points");

    /// <summary>Points a sparse (epoch-level) loss needs before the short-curve form judges it.</summary>
    private const int ShortCurveMinPoints = 5;

    private PendingSpike? _pending;

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor, RepeatedDescriptor];

    public override bool Watches(SignalRole role) => role == SignalRole.TrainLoss;

    public override void OnPoint(long step) => Flush(step);

    public override void OnComplete() => Flush(long.MaxValue);

    public override void BeforeAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        if (s.RunningMean)
        {
            return; // its epoch starts are single batches beside averages; the epoch-level loss carries the spikes
        }

        var o = Options;
        var w = Window(s);
        var isSpike = false;
        // A short curve (an epoch-level loss: 10 to 100 points a run) is judged from 5 points, on size alone: a point
        // ShortSpikeFactor times the median of all before it; too few points for a spread to be significant against.
        var shortCurve = s.Count >= ShortCurveMinPoints && s.Count < o.MinHistory && s.IsSparse;
        if (s.Median > 0 && ((s.Count >= o.MinHistory && x >= o.SpikeFactor * s.Median) || (shortCurve && x >= o.ShortSpikeFactor * s.Median)))
        {
            var z = Math.Log(x / s.Median) / Math.Max(s.LogSigma, 0.01);
            if (z >= o.SpikeMinZ || shortCurve)
            {
                // Held until a later step is seen: the learning rate of the same step may still arrive and show a warm
                // restart or a step up, after which a jump of the loss is intended.
                isSpike = true;
                Flush(long.MaxValue);
                _pending = new PendingSpike(s, step, wallTime, x, s.Median, z, s.Count + 1);
                Context.PointHooksArmed = true;
                w.LastEvent = s.Count + 1;
            }
        }

        // 50 points without a spike end the episode; the context re-arms the alert after its recovery points.
        if (!isSpike && w.Reported && s.Count + 1 - w.LastEvent >= 50 && Context.Clear(AlertKind.LossSpike, s.Tag))
        {
            w.Reported = false;
        }
    }

    /// <summary>Reports the held spike once a point of a later step arrives (or the run completes).</summary>
    private void Flush(long currentStep)
    {
        if (_pending is not { } p || currentStep <= p.Step)
        {
            return;
        }

        _pending = null;
        Context.PointHooksArmed = false;
        if (Context.LastLrJumpStep is { } jump && p.Step >= jump && p.Step - jump <= 50)
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
