namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>oscillation</c> on a held-out loss: repeated excursions to several times its rolling median within a window of
/// its points (the per-step training-loss form, repeated spikes, is <see cref="LossSpikeRule"/>'s); and on any
/// epoch-mean loss (training or held-out), a window that spans an order of magnitude without a trend, with repeated jumps —
/// a too-high learning rate that gradient clipping keeps from diverging.
/// </summary>
internal sealed class OscillationRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.Oscillation, AlertSeverity.Warning, "a held-out loss, 5 points; or an epoch-mean loss, 10 points");

    /// <summary>Points of the without-a-trend window.</summary>
    private const int SwingWindow = 20;

    /// <summary>An order of magnitude between the window's lowest and highest point.</summary>
    private const double SwingRange = 10;

    /// <summary>A jump: a point at least twice the one before it.</summary>
    private const double SwingJump = 2;

    private readonly double[] _window = new double[SwingWindow];

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override bool Watches(SignalRole role) => role is SignalRole.ValLoss or SignalRole.TrainLoss;

    public override void AfterAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        // Epoch means only (the tag says epoch: Keras's epoch_loss, Lightning's loss_epoch): one batch's loss, even one
        // logged every few steps, is heavy-tailed noise that spans a decade on its own.
        if (!s.IsEpochMean || s.Count < SwingWindow / 2 || Context.IsActive(AlertKind.Oscillation, s.Tag))
        {
            return;
        }

        var n = (int)Math.Min(s.Count, SwingWindow);
        double min = double.PositiveInfinity, max = 0;
        var jumps = 0;
        for (var i = 0; i < n; i++)
        {
            var v = _window[n - 1 - i] = s.Recent(i);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        for (var i = 1; i < n; i++)
        {
            jumps += _window[i] >= SwingJump * _window[i - 1] ? 1 : 0;
        }

        if (!(min > 0) || max < SwingRange * min || jumps < Options.OscillationMinExcursions)
        {
            return;
        }

        // No trend: the halves' medians within 2x of each other (a falling curve spans decades too, in one direction).
        var first = RobustStats.MedianInPlace(_window.AsSpan(0, n / 2));
        var second = RobustStats.MedianInPlace(_window.AsSpan(n / 2, n - (n / 2)));
        var stepsSpanned = s.LastStep - s.FirstStep;
        var lrJumped = Context.LastLrJumpStep is { } jump && jump >= s.LastStep - (stepsSpanned * n / Math.Max(1, s.Count));
        if (Math.Abs(Math.Log(second / first)) > Math.Log(2) || lrJumped || !Context.LearningRateSettled(s))
        {
            return;
        }

        Raise(Descriptor, s.Tag, step, wallTime, s.Tag,
            $"{s.Tag} swung between {Fmt(min)} and {Fmt(max)} ({Fmt(max / min)}x) over its last {n} points, doubling {jumps} times, without a trend: training is unstable",
            Evidence(("min", min), ("max", max), ("range", max / min), ("jumps", jumps), ("window_points", n)));
    }

    public override void BeforeAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        if (s.Signal.Role != SignalRole.ValLoss)
        {
            return;
        }

        var o = Options;
        var w = s.State<EventWindow>(ScalarSeries.ExcursionSlot);
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
