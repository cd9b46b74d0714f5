namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>plateau</c>: a loss whose level never left its start (within a tolerance), or the main per-step loss that learned
/// a little and then stalled; never while the learning rate still warms up. Judged as the loss streams, and once more
/// over the whole run at the end, with lower minimum counts.
/// </summary>
internal sealed class PlateauRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.Plateau, AlertSeverity.Warning, "a loss, 200 per-step or 20 sparse points (50 / 10 at the end of the run); stalled: the main per-step loss, 400 points (the main loss, 64, at the end of the run)");

    /// <summary>The most a stalled loss's second half may be below its first half (log ratio, about 10%).</summary>
    private const double StallProgress = 0.1;

    /// <summary>Points the main training loss needs for the stalled form judged once at the end of the run.</summary>
    private const int FinalStallMinPoints = 64;

    /// <summary>At the end of the run: a main loss whose second half is less than this below its start never learned.</summary>
    private const double FinalStallImprovement = 0.1;

    /// <summary>Points a sparse loss at chance level (ln k) needs for a plateau.</summary>
    private const int ChanceMinPoints = 5;

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override bool Watches(SignalRole role) => role is SignalRole.TrainLoss or SignalRole.ValLoss;

    public override void AfterAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        if (s.Refreshed)
        {
            Check(s, final: false);
        }
    }

    public override void OnComplete()
    {
        if (Context.BreakdownStep is not null)
        {
            return;
        }

        foreach (var s in Context.TrainLosses)
        {
            Check(s, final: true);
        }

        foreach (var s in Context.ValLosses)
        {
            Check(s, final: true);
        }
    }

    private void Check(ScalarSeries s, bool final)
    {
        var o = Options;
        var min = s.IsSparse ? o.PlateauMinSparsePoints : o.PlateauMinPoints;
        if (final)
        {
            min = s.IsSparse ? Math.Max(5, min / 2) : Math.Max(10, min / 4);
        }

        // A short epoch-level curve (Keras: one point per epoch, or per validation) is judged from 5 points when it sits
        // at the loss of a uniform guess over k classes, ln k: the model outputs the same distribution whatever the input.
        var chance = s.IsSparse && s.Count >= ChanceMinPoints && AtChanceLevel(s.Level) && AtChanceLevel(s.Initial);
        if ((s.Count < min && !chance) || !(s.Initial > 0) || !(s.Level > 0))
        {
            return;
        }

        var change = (s.Level / s.Initial) - 1;
        var neverLearned = s.BestLevel >= s.StartLevel * (1 - (2 * o.PlateauTolerance));
        var stall = Stalled(s, final);
        if (Math.Abs(change) <= o.PlateauTolerance && neverLearned && Context.LearningRateSettled(s))
        {
            Raise(Descriptor, s.Tag, s.LastStep, s.LastWallTime, s.Tag,
                $"{s.Tag} has made no progress in {s.Count} points: {Fmt(s.Level)} now, {Fmt(s.Initial)} at the start",
                Evidence(("level", s.Level), ("initial_level", s.Initial), ("best_level", s.BestLevel), ("relative_change", change), ("points", s.Count)));
        }
        else if (stall is not null && Context.LearningRateSettled(s))
        {
            Raise(Descriptor, s.Tag, s.LastStep, s.LastWallTime, s.Tag,
                $"{s.Tag} came down only {Fmt(stall.Value.Improvement * 100)}% from its start and not since the first half of its {s.Count} points: {Fmt(stall.Value.SecondHalf)} in the second half, {Fmt(stall.Value.FirstHalf)} in the first, {Fmt(stall.Value.Start)} at the start",
                Evidence(("first_half_level", stall.Value.FirstHalf), ("second_half_level", stall.Value.SecondHalf), ("initial_level", stall.Value.Start), ("improvement", stall.Value.Improvement), ("points", s.Count)));
        }
        else if (!neverLearned && (!ReferenceEquals(s, Context.PrimaryLoss()) || s.BestLevel < s.StartLevel * (1 - o.PlateauStallImprovement)))
        {
            // The main loss clears only once it has clearly learned, so a stall seen through noise is reported once.
            Context.Clear(AlertKind.Plateau, s.Tag);
        }
    }

    /// <summary>
    /// True when <paramref name="loss"/> is the cross-entropy of a uniform guess over k = 2 to 1000 classes, ln k, within
    /// 0.5% and within a tenth of the distance to the next ln k (so that the test stays narrow for large k).
    /// </summary>
    internal static bool AtChanceLevel(double loss)
    {
        if (!(loss >= Math.Log(2) * 0.99) || loss > Math.Log(1000) * 1.01)
        {
            return false;
        }

        var k = Math.Round(Math.Exp(loss));
        var chance = Math.Log(k);
        var tolerance = Math.Min(0.005 * chance, 0.1 * (Math.Log(k + 1) - chance));
        return Math.Abs(loss - chance) <= tolerance;
    }

    /// <summary>
    /// Learned a little, then stalled. On the main per-step training loss, in block medians over the whole run: its
    /// second half is less than <see cref="AnalysisOptions.PlateauStallImprovement"/> below where it started, and
    /// confidently no more than <see cref="StallProgress"/> below its first half (the difference plus three standard
    /// errors of it: the rule is asked many times over a run), and not above it by more than that either (a loss that
    /// climbs back is divergence's or oscillation's). A slow but steady learner keeps coming down between halves;
    /// under heavy batch noise the rule waits until the halves are long enough to tell. Judged after twice
    /// <see cref="AnalysisOptions.PlateauMinPoints"/> points.
    /// </summary>
    private (double FirstHalf, double SecondHalf, double Start, double Improvement)? Stalled(ScalarSeries s, bool final)
    {
        // At the end of the run the whole history is judged once, from 64 points (8 blocks), sparse or not: asked once,
        // the test keeps its three standard errors; a per-step loss is judged as it streams only after 400.
        if (s.History is not { } history || !ReferenceEquals(s, Context.PrimaryLoss())
            || (final ? s.Count < FinalStallMinPoints || s.IsEpochMean : s.Count < 2 * Options.PlateauMinPoints || s.IsSparse))
        {
            return null;
        }

        var (first, second) = history.Halves(fresh: final);
        var start = Math.Max(history.Start, s.Initial); // both from the first 7-8 points: a fast learner has not moved yet
        if (!(first > 0) || !(second > 0) || !(start > 0) || second > first * Math.Exp(StallProgress))
        {
            return null;
        }

        // Both halves at the cross-entropy of a uniform guess over the same k classes, ln k: the model outputs the same distribution whatever the
        // input, however far above it the run started (an initialisation that blew up: 3,000 at first, ln 10 from step 13).
        var atChance = AtChanceLevel(first) && AtChanceLevel(second) && Math.Round(Math.Exp(first)) == Math.Round(Math.Exp(second));
        var improvement = 1 - (second / start);
        if (improvement >= Options.PlateauStallImprovement && !atChance)
        {
            return null; // learned: the usual case, decided before the noise estimate is asked for
        }

        var progress = Math.Log(first / second);
        var standardError = RobustStats.MedianEfficiency * s.LogNoise * Math.Sqrt(2 / (history.Points / 2.0));
        // Over the whole run, a loss that ended within FinalStallImprovement of its start never learned, however much its
        // halves differ (heavy dropout: it rose, then came back to a little below its start).
        var barelyMoved = final && improvement < FinalStallImprovement;
        return atChance || barelyMoved || progress + (3 * standardError) < StallProgress ? (first, second, start, improvement) : null;
    }
}
