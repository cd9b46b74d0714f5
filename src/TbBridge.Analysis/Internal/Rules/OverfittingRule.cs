namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>overfitting</c>: the held-out loss's smoothed level rose well above its best, gave back a good part of its
/// improvement, significantly, while the training loss stays below it and does not get worse — several held-out
/// points in a row (Prechelt's generalisation loss with training progress).
/// </summary>
internal sealed class OverfittingRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.Overfitting, AlertSeverity.Warning, "a held-out loss and a training loss, 5 held-out points");


    /// <summary>
    /// A training loss this many times below the held-out loss overrides the accuracy-gap veto of the strong form (the
    /// healthy fits that veto protects sit 7-10x below; a memorised training set, 100% accuracy, far more).
    /// </summary>
    private const double NearZeroTrainRatio = 30;

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override bool Watches(SignalRole role) => role == SignalRole.ValLoss;

    /// <summary>
    /// On the smoothed level (median of its last 3 to 32 points) so that a held-out loss evaluated on a small batch
    /// does not look like it turned up. Two forms: the held-out loss gave back a good part of its improvement (strong
    /// rise), or — when the accuracies show the model fits the training data far better than the held-out data — it
    /// sits a few percent above its best point while the training loss is far below it (mild rise). Either is vetoed
    /// when both accuracies are logged and the gap between them is small.
    /// </summary>
    public override void AfterAdd(ScalarSeries val, long step, double wallTime, double x)
    {
        var o = Options;
        var st = val.State<OverfitState>(ScalarSeries.OverfitSlot);
        if (x < st.BestPoint)
        {
            st.BestPoint = x;
            st.TrainAtBestPoint = Context.PrimaryLoss()?.Level ?? double.NaN;
        }

        if (!val.Refreshed || val.Count < 3)
        {
            return;
        }

        var level = val.Level;
        if (double.IsNaN(st.Best))
        {
            st.Best = level;
            st.TrainAtBest = Context.PrimaryLoss()?.Level ?? double.NaN;
            return;
        }

        if (level < st.Best)
        {
            st.Best = level;
            st.TrainAtBest = Context.PrimaryLoss()?.Level ?? double.NaN;
            st.Consecutive = 0;
            Context.Clear(AlertKind.Overfitting, val.Tag);
            return;
        }

        var train = Context.PrimaryLoss();
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
        var strong = rise >= o.OverfitRise && givenBack >= o.OverfitGivenBack && trainHolds && significant;
        var gap = strong || st.BestPoint > 0 ? Context.AccuracyGap() : null;
        var mild = gap >= o.OverfitAccuracyGap && st.BestPoint > 0 && level >= (1 + o.OverfitMildRise) * st.BestPoint
            && (!(noise > 0) || Math.Log(level / st.BestPoint) >= 3 * noise)
            && train.Level <= 0.5 * level && (double.IsNaN(st.TrainAtBestPoint) || train.Level <= 1.1 * st.TrainAtBestPoint);
        // The accuracy gap vetoes, unless the training loss is orders of magnitude below the held-out one: the model is
        // certain of its training samples, and the held-out loss climbs on the ones it gets wrong.
        var vetoed = gap < o.OverfitAccuracyGap && !(strong && train.Level * NearZeroTrainRatio <= level);
        st.Consecutive = (strong || mild) && !vetoed ? st.Consecutive + 1 : 0;
        if (st.Consecutive >= o.OverfitConsecutive)
        {
            var best = strong ? st.Best : st.BestPoint;
            var evidence = Evidence(("val_loss_level", level), ("best_val_loss_level", st.Best), ("first_val_loss", first), ("train_loss_level", train.Level), ("val_log_noise", double.IsFinite(noise) ? noise : 0), ("given_back", double.IsFinite(givenBack) ? givenBack : -1));
            if (gap is { } g)
            {
                evidence["best_val_loss"] = st.BestPoint;
                evidence["accuracy_gap"] = g;
            }

            Raise(Descriptor, val.Tag, step, wallTime, val.Tag,
                $"{val.Tag} rose to {Fmt(level)}, {Fmt(((level / best) - 1) * 100)}% above its best of {Fmt(best)}, while {train.Tag} kept falling ({Fmt(train.Level)}){(gap is { } gg ? $" and the training accuracy is {Fmt(gg * 100)} points above the held-out one" : string.Empty)}: the model is overfitting",
                evidence, [val.Tag, train.Tag]);
        }
        else if (rise < o.OverfitRise / 2 && !mild)
        {
            Context.Clear(AlertKind.Overfitting, val.Tag);
        }
    }

    internal sealed class OverfitState
    {
        public double Best { get; set; } = double.NaN;

        /// <summary>The lowest single held-out point (an epoch-level loss is already an average: its best is its first after one epoch).</summary>
        public double BestPoint { get; set; } = double.PositiveInfinity;

        public double TrainAtBestPoint { get; set; } = double.NaN;

        public double TrainAtBest { get; set; }

        public int Consecutive { get; set; }
    }
}
