namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>divergence</c>, three ways: fast (the loss, or a global gradient norm the loss confirms, rose several points in a
/// row to many times its median), far above its start (the main loss's smoothed level is many times the untrained
/// model's, significantly), and slow (the smoothed level climbed well above its best and its start).
/// </summary>
internal sealed class DivergenceRule : AnalysisRule
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.Divergence, AlertSeverity.Critical, "a training loss (or a global gradient norm), 3 points and the next one (or the breakdown)");

    private const string Subject = "training";

    /// <summary>
    /// The level points a sparse loss needs for the far-above-start form (16 points logged): the Trainer logs its loss every
    /// 10 steps, 32 points in a 320-step run, which the per-step minimum of 8 level points (32 logged) would only reach at the end.
    /// </summary>
    private const int SparseLevelPoints = 4;

    /// <summary>
    /// A loss that grew fast diverges only if it stays up: the tag's next point must not give back this share of the
    /// growth (in log space) — a loss that spiked over a few points and came back is <c>loss_spike</c>'s.
    /// </summary>
    private const double ComeBackShare = 1.0 / 3;

    /// <summary>Further rising points a held growth waits through for its peak before it is reported anyway.</summary>
    private const int MaxClimbsHeld = 3;

    private HeldGrowth? _held;

    public DivergenceRule(RunContext context)
        : base(context) =>
        context.BrokeDown += () => Release(next: double.NaN);

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override void OnComplete() => Release(next: double.NaN);

    public override bool Watches(SignalRole role) => role is SignalRole.TrainLoss or SignalRole.GradNorm;

    public override void BeforeAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        if (s.Signal.Role == SignalRole.TrainLoss)
        {
            if (_held is { } held && ReferenceEquals(held.Series, s) && step > held.LastStep)
            {
                if (x >= held.Peak && held.Climbs < MaxClimbsHeld)
                {
                    _held = held with { Peak = x, LastStep = step, Climbs = held.Climbs + 1 }; // still climbing: judged on the point after its peak
                }
                else
                {
                    Release(next: x);
                }
            }

            // Held until the tag's next point (or the breakdown, or the end of the run): it must not come back.
            if (_held is null && FastGrowth.Check(s, x, Options.DivergenceFactor, 1, Options.DivergenceRisingPoints) is { } baseline
                && !Context.IsActive(AlertKind.Divergence, Subject))
            {
                _held = new HeldGrowth(s, step, wallTime, x, step, 0, baseline, FastGrowth.Message(s, x, baseline, "training is diverging"), FastGrowth.Evidence(s, x, baseline));
            }
        }
        else if (Context.LossConfirmsGrowth())
        {
            CheckFastGrowth(s, step, wallTime, x, Options.MinHistory);
        }
    }

    public override void AfterAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        var o = Options;
        if (s.Signal.Role != SignalRole.TrainLoss || !s.Refreshed)
        {
            return;
        }

        if (s.Count >= 2 * ScalarSeries.Capacity && s.BestSmoothLevel > 0
            && s.Level >= o.SlowDivergenceFactor * s.BestSmoothLevel && s.Level >= 1.5 * s.Initial)
        {
            Raise(Descriptor, Subject, step, wallTime, s.Tag,
                $"{s.Tag} climbed to {Fmt(s.Level)}, {Fmt(s.Level / s.BestSmoothLevel)}x its best level and above where it started ({Fmt(s.Initial)}): training is diverging",
                Evidence(("level", s.Level), ("best_level", s.BestSmoothLevel), ("initial_level", s.Initial)));
        }

        CheckFarAboveStart(s, step, wallTime);
    }

    private void CheckFastGrowth(ScalarSeries s, long step, double wallTime, double x, int minHistory)
    {
        // The growth test first: it fails on almost every point at the cost of a few comparisons, the set lookup does not.
        if (FastGrowth.Check(s, x, Options.DivergenceFactor, minHistory, Options.DivergenceRisingPoints) is { } baseline
            && !Context.IsActive(AlertKind.Divergence, Subject))
        {
            Raise(Descriptor, Subject, step, wallTime, s.Tag, FastGrowth.Message(s, x, baseline, "training is diverging"), FastGrowth.Evidence(s, x, baseline));
        }
    }

    /// <summary>
    /// Reports the held fast growth unless the point after its peak, <paramref name="next"/>, gave back at least
    /// <see cref="ComeBackShare"/> of the rise from the baseline to the peak (NaN: the run broke down or ended before that point; zero: the Trainer's
    /// stand-in for a non-finite loss: reported).
    /// </summary>
    private void Release(double next)
    {
        if (_held is not { } h)
        {
            return;
        }

        _held = null;
        // A zero after a fast rise is no recovery: the Trainer logs 0.0 once its loss went non-finite.
        if (next > 0 && next < h.Peak && Math.Log(h.Peak / next) >= ComeBackShare * Math.Log(h.Peak / h.Baseline))
        {
            return;
        }

        Raise(Descriptor, Subject, h.Step, h.WallTime, h.Series.Tag, h.Message, h.Evidence);
    }

    /// <summary>
    /// Divergence at any speed: the smoothed level (median of at least 8 points) is <see cref="AnalysisOptions.DivergenceAboveStart"/>
    /// times the level of the untrained model, and that is 4 standard errors beyond the noise of both medians — so a loss
    /// that rose while the learning rate warmed up, zig-zagging too much for the fast rule, is still caught. Only the
    /// main training loss: auxiliary terms (a KL term under annealing, a GAN's generator loss) may rise by design.
    /// </summary>
    private void CheckFarAboveStart(ScalarSeries s, long step, double wallTime)
    {
        var o = Options;
        if (s.LevelPoints < (s.IsSparse ? SparseLevelPoints : 8) || !(s.Initial > 0) || !(s.Level >= o.DivergenceAboveStart * s.Initial)
            || Context.IsActive(AlertKind.Divergence, Subject) || !ReferenceEquals(s, Context.PrimaryLoss()))
        {
            return;
        }

        var standardError = s.LogNoise * RobustStats.MedianEfficiency * Math.Sqrt((1.0 / s.InitialPoints) + (1.0 / s.LevelPoints));
        var z = Math.Log(s.Level / s.Initial) / Math.Max(standardError, 0.01);
        if (z >= 4)
        {
            Raise(Descriptor, Subject, step, wallTime, s.Tag,
                $"{s.Tag} is at {Fmt(s.Level)}, {Fmt(s.Level / s.Initial)}x where it started ({Fmt(s.Initial)}): training is diverging",
                Evidence(("level", s.Level), ("initial_level", s.Initial), ("ratio", s.Level / s.Initial), ("z", z)));
        }
    }

    private sealed record HeldGrowth(ScalarSeries Series, long Step, double WallTime, double Peak, long LastStep, int Climbs, double Baseline, string Message, Dictionary<string, double> Evidence);
}
