namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>overfitting</c>: the held-out loss's smoothed level rose well above its best, gave back a good part of its
/// improvement, significantly, while the training loss stays below it and does not get worse — several held-out
/// points in a row (Prechelt's generalisation loss with training progress).
/// </summary>
internal sealed class OverfittingRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.Overfitting, AlertSeverity.Warning, "a held-out loss and a training loss, 5 held-out points");

    private readonly Dictionary<string, OverfitState> _states = new(StringComparer.Ordinal);

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override bool Watches(SignalRole role) => role == SignalRole.ValLoss;

    /// <summary>
    /// On the smoothed level (median of its last 3 to 32 points) so that a held-out loss evaluated on a small batch
    /// does not look like it turned up.
    /// </summary>
    public override void AfterAdd(ScalarSeries val, long step, double wallTime, double x)
    {
        var o = Options;
        if (!val.Refreshed || val.Count < 3)
        {
            return;
        }

        var level = val.Level;
        if (!_states.TryGetValue(val.Tag, out var st))
        {
            st = new OverfitState { Best = level, TrainAtBest = Context.PrimaryLoss()?.Level ?? double.NaN };
            _states.Add(val.Tag, st);
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
        st.Consecutive = rise >= o.OverfitRise && givenBack >= o.OverfitGivenBack && trainHolds && significant ? st.Consecutive + 1 : 0;
        if (st.Consecutive >= o.OverfitConsecutive)
        {
            Raise(Descriptor, val.Tag, step, wallTime, val.Tag,
                $"{val.Tag} rose to {Fmt(level)}, {Fmt(rise * 100)}% above its best of {Fmt(st.Best)}, while {train.Tag} kept falling ({Fmt(train.Level)}): the model is overfitting",
                Evidence(("val_loss_level", level), ("best_val_loss_level", st.Best), ("first_val_loss", first), ("train_loss_level", train.Level), ("val_log_noise", double.IsFinite(noise) ? noise : 0), ("given_back", double.IsFinite(givenBack) ? givenBack : -1)),
                [val.Tag, train.Tag]);
        }
        else if (rise < o.OverfitRise / 2)
        {
            Context.Clear(AlertKind.Overfitting, val.Tag);
        }
    }

    private sealed class OverfitState
    {
        public double Best { get; set; }

        public double TrainAtBest { get; set; }

        public int Consecutive { get; set; }
    }
}
