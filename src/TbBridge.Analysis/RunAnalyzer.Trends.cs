using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
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
        var neverLearned = s.BestLevel >= s.Initial * (1 - (2 * o.PlateauTolerance));
        if (Math.Abs(change) <= o.PlateauTolerance && neverLearned && LearningRateSettled(s))
        {
            Raise(AlertKind.Plateau, AlertSeverity.Warning, s.Tag, s.LastStep, s.LastWallTime, s.Tag,
                $"{s.Tag} has made no progress in {s.Count} points: {Fmt(s.Level)} now, {Fmt(s.Initial)} at the start",
                Evidence(("level", s.Level), ("initial_level", s.Initial), ("best_level", s.BestLevel), ("relative_change", change), ("points", s.Count)));
        }
        else if (!neverLearned)
        {
            Clear(AlertKind.Plateau, s.Tag);
        }
    }

    /// <summary>False while the learning rate is still rising (warm-up) in the second half of the tag's span.</summary>
    private bool LearningRateSettled(ScalarSeries s) =>
        _lastLrIncreaseStep is not { } up || up <= s.FirstStep + ((s.LastStep - s.FirstStep) / 2);

    private void CheckOverfitting(ScalarSeries val, long step, double wallTime, double x)
    {
        var o = _options;
        if (!_overfit.TryGetValue(val.Tag, out var st))
        {
            st = new OverfitState { Initial = x, Best = x, TrainAtBest = PrimaryLoss()?.Level ?? double.NaN };
            _overfit.Add(val.Tag, st);
            return;
        }

        if (x < st.Best)
        {
            st.Best = x;
            st.TrainAtBest = PrimaryLoss()?.Level ?? double.NaN;
            st.Consecutive = 0;
            Clear(AlertKind.Overfitting, val.Tag);
            return;
        }

        var train = PrimaryLoss();
        if (val.Count + 1 < 5 || train is null || !(st.Best > 0))
        {
            return;
        }

        var rise = (x / st.Best) - 1;
        var givenBack = st.Initial > st.Best ? (x - st.Best) / (st.Initial - st.Best) : double.PositiveInfinity;
        var trainHolds = train.Level < x && (double.IsNaN(st.TrainAtBest) || train.Level <= 1.1 * st.TrainAtBest);
        st.Consecutive = rise >= o.OverfitRise && givenBack >= o.OverfitGivenBack && trainHolds ? st.Consecutive + 1 : 0;
        if (st.Consecutive >= o.OverfitConsecutive)
        {
            Raise(AlertKind.Overfitting, AlertSeverity.Warning, val.Tag, step, wallTime, val.Tag,
                $"{val.Tag} rose to {Fmt(x)}, {Fmt(rise * 100)}% above its best of {Fmt(st.Best)}, while {train.Tag} kept falling ({Fmt(train.Level)}): the model is overfitting",
                Evidence(("val_loss", x), ("best_val_loss", st.Best), ("first_val_loss", st.Initial), ("train_loss_level", train.Level), ("given_back", double.IsFinite(givenBack) ? givenBack : -1)),
                [val.Tag, train.Tag]);
        }
        else if (rise < o.OverfitRise / 2)
        {
            Clear(AlertKind.Overfitting, val.Tag);
        }
    }

    private sealed class OverfitState
    {
        public double Initial { get; init; }

        public double Best { get; set; }

        public double TrainAtBest { get; set; }

        public int Consecutive { get; set; }
    }
}
