using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
    /// <summary>The most a stalled loss's second half may be below its first half (log ratio, about 10%).</summary>
    private const double StallProgress = 0.1;

    private readonly Dictionary<string, OverfitState> _overfit = new(StringComparer.Ordinal);

    private void CheckPlateau(ScalarSeries s, bool final)
    {
        var o = _options;
        var min = s.IsSparse ? o.PlateauMinSparsePoints : o.PlateauMinPoints;
        if (final)
        {
            min = s.IsSparse ? Math.Max(5, min / 2) : Math.Max(10, min / 4);
        }

        if (s.Count < min || !(s.Initial > 0) || !(s.Level > 0))
        {
            return;
        }

        var change = (s.Level / s.Initial) - 1;
        var neverLearned = s.BestLevel >= s.StartLevel * (1 - (2 * o.PlateauTolerance));
        var stall = Stalled(s);
        if (Math.Abs(change) <= o.PlateauTolerance && neverLearned && LearningRateSettled(s))
        {
            Raise(AlertKind.Plateau, AlertSeverity.Warning, s.Tag, s.LastStep, s.LastWallTime, s.Tag,
                $"{s.Tag} has made no progress in {s.Count} points: {Fmt(s.Level)} now, {Fmt(s.Initial)} at the start",
                Evidence(("level", s.Level), ("initial_level", s.Initial), ("best_level", s.BestLevel), ("relative_change", change), ("points", s.Count)));
        }
        else if (stall is not null && LearningRateSettled(s))
        {
            Raise(AlertKind.Plateau, AlertSeverity.Warning, s.Tag, s.LastStep, s.LastWallTime, s.Tag,
                $"{s.Tag} came down only {Fmt(stall.Value.Improvement * 100)}% from its start and not since the first half of its {s.Count} points: {Fmt(stall.Value.SecondHalf)} in the second half, {Fmt(stall.Value.FirstHalf)} in the first, {Fmt(stall.Value.Start)} at the start",
                Evidence(("first_half_level", stall.Value.FirstHalf), ("second_half_level", stall.Value.SecondHalf), ("initial_level", stall.Value.Start), ("improvement", stall.Value.Improvement), ("points", s.Count)));
        }
        else if (!neverLearned && (!ReferenceEquals(s, PrimaryLoss()) || s.BestLevel < s.StartLevel * (1 - o.PlateauStallImprovement)))
        {
            // The main loss clears only once it has clearly learned, so a stall seen through noise is reported once.
            Clear(AlertKind.Plateau, s.Tag);
        }
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
    private (double FirstHalf, double SecondHalf, double Start, double Improvement)? Stalled(ScalarSeries s)
    {
        if (s.History is not { } history || s.Count < 2 * _options.PlateauMinPoints || s.IsSparse || !ReferenceEquals(s, PrimaryLoss()))
        {
            return null;
        }

        var (first, second) = history.Halves();
        var start = Math.Max(history.Start, s.Initial); // both from the first 7-8 points: a fast learner has not moved yet
        if (!(first > 0) || !(second > 0) || !(start > 0) || second > first * Math.Exp(StallProgress))
        {
            return null;
        }

        var improvement = 1 - (second / start);
        if (improvement >= _options.PlateauStallImprovement)
        {
            return null; // learned: the usual case, decided before the noise estimate is asked for
        }

        var progress = Math.Log(first / second);
        var standardError = RobustStats.MedianEfficiency * s.LogNoise * Math.Sqrt(2 / (history.Points / 2.0));
        return progress + (3 * standardError) < StallProgress ? (first, second, start, improvement) : null;
    }

    /// <summary>False while the learning rate is still rising (warm-up) in the second half of the tag's span.</summary>
    private bool LearningRateSettled(ScalarSeries s) =>
        _lastLrIncreaseStep is not { } up || up <= s.FirstStep + ((s.LastStep - s.FirstStep) / 2);

    /// <summary>
    /// Called after the held-out point was added, on the smoothed level (median of its last 3 to 32 points) so that a
    /// held-out loss evaluated on a small batch does not look like it turned up.
    /// </summary>
    private void CheckOverfitting(ScalarSeries val, long step, double wallTime)
    {
        var o = _options;
        if (!val.Refreshed || val.Count < 3)
        {
            return;
        }

        var level = val.Level;
        if (!_overfit.TryGetValue(val.Tag, out var st))
        {
            st = new OverfitState { Best = level, TrainAtBest = PrimaryLoss()?.Level ?? double.NaN };
            _overfit.Add(val.Tag, st);
            return;
        }

        if (level < st.Best)
        {
            st.Best = level;
            st.TrainAtBest = PrimaryLoss()?.Level ?? double.NaN;
            st.Consecutive = 0;
            Clear(AlertKind.Overfitting, val.Tag);
            return;
        }

        var train = PrimaryLoss();
        if (val.Count < 5 || train is null || !(st.Best > 0))
        {
            return;
        }

        // The model before training is the first held-out point: how much of the improvement since then was given back.
        var first = val.First;
        var rise = (level / st.Best) - 1;
        var givenBack = first > st.Best ? (level - st.Best) / (first - st.Best) : double.PositiveInfinity;
        var trainHolds = train.Level < level && (double.IsNaN(st.TrainAtBest) || train.Level <= 1.1 * st.TrainAtBest);
        // A noisy held-out loss (evaluated on a small batch) must rise clearly above its own point-to-point noise.
        var noise = val.LogNoise;
        var significant = !(noise > 0) || Math.Log(level / st.Best) >= 3 * noise;
        st.Consecutive = rise >= o.OverfitRise && givenBack >= o.OverfitGivenBack && trainHolds && significant ? st.Consecutive + 1 : 0;
        if (st.Consecutive >= o.OverfitConsecutive)
        {
            Raise(AlertKind.Overfitting, AlertSeverity.Warning, val.Tag, step, wallTime, val.Tag,
                $"{val.Tag} rose to {Fmt(level)}, {Fmt(rise * 100)}% above its best of {Fmt(st.Best)}, while {train.Tag} kept falling ({Fmt(train.Level)}): the model is overfitting",
                Evidence(("val_loss_level", level), ("best_val_loss_level", st.Best), ("first_val_loss", first), ("train_loss_level", train.Level), ("val_log_noise", double.IsFinite(noise) ? noise : 0), ("given_back", double.IsFinite(givenBack) ? givenBack : -1)),
                [val.Tag, train.Tag]);
        }
        else if (rise < o.OverfitRise / 2)
        {
            Clear(AlertKind.Overfitting, val.Tag);
        }
    }

    private sealed class OverfitState
    {
        public double Best { get; set; }

        public double TrainAtBest { get; set; }

        public int Consecutive { get; set; }
    }
}
