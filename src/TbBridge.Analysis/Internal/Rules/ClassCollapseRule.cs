namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>class_collapse</c>: a predictions histogram with most of its mass in one class for several snapshots, after the
/// model had learned to tell classes apart (a model that first predicts the majority class is learning the prior); a
/// held-out accuracy that had learned and then fell to one value (one class's share, or chance) for 3 evaluations; a
/// held-out accuracy identical at every evaluation while the training accuracy is well above it; a held-out recall,
/// precision or F1 of 0 at every evaluation; or, from the first evaluation, in a model that never learned: a
/// predictions histogram in one class for 5 snapshots, or a held-out accuracy that only ever takes the values of class
/// shares (one value per predicted class, adding up to no more than 1, none above 0.5) over 5 or more evaluations.
/// </summary>
internal sealed class ClassCollapseRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.ClassCollapse, AlertSeverity.Warning, "a predictions histogram (3 snapshots) and a loss; or 3 held-out accuracies after it learned, or 3 held-out recalls/F1s; from the start, 5 snapshots or 5 held-out accuracies");

    /// <summary>Snapshots or evaluations a collapse from the start needs.</summary>
    private const int FromStartPoints = 5;

    private readonly Dictionary<string, (int Streak, bool SeenDiverse, bool EverDiverse)> _predictions = new(StringComparer.Ordinal);
    /// <summary>Consecutive held-out evaluations a collapse after learning, a constant accuracy or a zero class score needs.</summary>
    private const int HeldEvaluations = 3;

    /// <summary>A held-out accuracy that reached this (0..1) had learned: better than a coin on any problem.</summary>
    private const double LearnedAccuracy = 0.5;

    /// <summary>Collapsed: at most this fraction of the best held-out accuracy (a binary task at chance: 0.5 of 0.8 = 0.63).</summary>
    private const double FallRatio = 0.65;

    /// <summary>The collapsed evaluations lie within this of one another (0..1): one class's share, held.</summary>
    private const double OneClassSpread = 0.02;

    /// <summary>Constant held-out accuracy: the training accuracy this far above it (0..1).</summary>
    private const double ConstantGap = 0.1;

    /// <summary>From the start: one class's share can be read from the accuracy alone only up to this.</summary>
    private const double MaxOneClassShare = 0.5;

    private readonly Dictionary<ScalarSeries, AccuracyState> _accuracies = [];
    private readonly Dictionary<ScalarSeries, bool> _scoreSeen = [];

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override void OnHistogram(SignalClassification c, string tag, long step, double wallTime, HistogramSnapshot h)
    {
        if (c.Role != SignalRole.Predictions)
        {
            return;
        }

        var share = TopShare(h);
        _predictions.TryGetValue(tag, out var st);
        // Diverse *after* learning: a model that first predicts the majority class of an imbalanced set is learning the
        // prior, not collapsing.
        st.SeenDiverse |= share <= 0.6 && Context.HasLearned();
        st.EverDiverse |= share < Options.CollapseShare;
        st.Streak = share >= Options.CollapseShare ? st.Streak + 1 : 0;
        _predictions[tag] = st;
        if (st.Streak >= Options.ConsecutiveSnapshots && st.SeenDiverse)
        {
            Raise(Descriptor, tag, step, wallTime, tag,
                $"{Fmt(share * 100)}% of predictions in {tag} are one class for {st.Streak} snapshots in a row, after the model had learned to tell classes apart",
                Evidence(("top_class_share", share), ("snapshots", st.Streak)));
        }
        else if (st.Streak >= FromStartPoints && !st.EverDiverse && !Context.HasLearned() && Context.LossStalled() && Context.BreakdownStep is null)
        {
            Raise(Descriptor, tag, step, wallTime, tag,
                $"{Fmt(share * 100)}% of predictions in {tag} are one class in every one of its {st.Streak} snapshots, and the loss has not improved: the model predicts one class from the start",
                Evidence(("top_class_share", share), ("snapshots", st.Streak)));
        }
        else if (st.Streak == 0)
        {
            Context.Clear(AlertKind.ClassCollapse, tag);
        }
    }

    public override bool Watches(SignalRole role) => role is SignalRole.ValAccuracy or SignalRole.ValClassScore;

    public override void AfterAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        // After a breakdown (argmax of NaN is class 0) it is debris, whichever step axis the accuracy is on.
        if (Context.BreakdownStep is not null)
        {
            return;
        }

        if (s.Signal.Role == SignalRole.ValClassScore)
        {
            AfterClassScore(s, step, wallTime, x);
            return;
        }

        if (!_accuracies.TryGetValue(s, out var st))
        {
            _accuracies.Add(s, st = new AccuracyState());
        }

        st.Best = Math.Max(st.Best, x);
        if (st.Values.Count <= 16 && !st.Values.Contains(x))
        {
            st.Values.Add(x); // a model that tells classes apart takes many values: 17 are enough to know
        }

        var scale = s.Median > 1.5 ? 100 : 1;
        if (FellAfterLearning(s, st, scale, step, wallTime) || ConstantWhileTrainingFits(s, st, scale, step, wallTime))
        {
            return;
        }

        FromTheStart(s, st, scale, step, wallTime);
    }

    /// <summary>
    /// A held-out accuracy that had reached <see cref="LearnedAccuracy"/> and then sat, for <see cref="HeldEvaluations"/>
    /// evaluations in a row, at <see cref="FallRatio"/> of its best or less and within <see cref="OneClassSpread"/> of
    /// one value: the share of the one class the model now predicts, or chance.
    /// </summary>
    private bool FellAfterLearning(ScalarSeries s, AccuracyState st, double scale, long step, double wallTime)
    {
        var best = st.Best / scale;
        if (!(best >= LearnedAccuracy) || s.Count <= HeldEvaluations)
        {
            return false;
        }

        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (var i = 0; i < HeldEvaluations; i++)
        {
            var v = s.Recent(i) / scale;
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }

        if (!(hi <= FallRatio * best) || hi - lo > OneClassSpread)
        {
            if (!(s.Last / scale <= FallRatio * best))
            {
                Context.Clear(AlertKind.ClassCollapse, s.Tag);
            }

            return false;
        }

        if (Context.IsActive(AlertKind.ClassCollapse, s.Tag))
        {
            return true; // raised, and still so: no message to build
        }

        var now = s.Last / scale;
        // A uniform guess over k classes scores 1/k with a loss of ln k: say so when the held-out loss sits there.
        var val = Context.ValLosses.Count > 0 ? Context.ValLosses[0] : null;
        var chanceLoss = -Math.Log(Math.Max(now, 1e-6));
        var atChance = val is { Count: > 0 } && now > 0 && Math.Abs(Math.Log(val.Last / chanceLoss)) <= Math.Log(1.25);
        Raise(Descriptor, s.Tag, step, wallTime, s.Tag,
            $"{s.Tag} reached {Fmt(best)} and then fell to {Fmt(now)} for {HeldEvaluations} evaluations in a row (from {Fmt(lo)} to {Fmt(hi)}): the model predicts one class, or guesses{(atChance ? $", and {val!.Tag} sits at {Fmt(val.Last)}, the ln k of a uniform guess over {Fmt(1 / now)} classes" : string.Empty)}",
            Evidence(("best_accuracy", best), ("accuracy", now), ("evaluations", HeldEvaluations), ("spread", hi - lo), ("val_loss", val is { Count: > 0 } ? val.Last : -1)));
        return true;
    }

    /// <summary>
    /// A held-out accuracy identical at every one of <see cref="HeldEvaluations"/> or more evaluations, no more than
    /// <see cref="MaxOneClassShare"/>, while the training accuracy is at least <see cref="ConstantGap"/> above it: the
    /// training changes the model, its held-out predictions never change. A higher constant (0.86 against 1.0 on
    /// training) is as likely an overfitted model whose held-out answers settled.
    /// </summary>
    private bool ConstantWhileTrainingFits(ScalarSeries s, AccuracyState st, double scale, long step, double wallTime)
    {
        if (st.Values.Count != 1 || s.Count < HeldEvaluations || !(s.Last / scale <= MaxOneClassShare) || Context.AccuracyGap() is not { } gap || !(gap >= ConstantGap))
        {
            return false;
        }

        if (Context.IsActive(AlertKind.ClassCollapse, s.Tag))
        {
            return true;
        }

        Raise(Descriptor, s.Tag, step, wallTime, s.Tag,
            $"{s.Tag} was {Fmt(s.Last / scale)} at every one of its {s.Count} evaluations while the training accuracy is {Fmt(gap * 100)} points above it: the held-out predictions never change (one class)",
            Evidence(("accuracy", s.Last / scale), ("evaluations", s.Count), ("accuracy_gap", gap)));
        return true;
    }

    /// <summary>
    /// A held-out accuracy that only takes class shares (one value per predicted class, adding up to no more than 1,
    /// none above 0.5) in a model that never learned: it predicts one class (perhaps a different one at times). Above
    /// 0.5 one class holds most samples, and a constant accuracy there is as likely a good model that stopped changing.
    /// </summary>
    private void FromTheStart(ScalarSeries s, AccuracyState st, double scale, long step, double wallTime)
    {
        var values = st.Values;
        var n = s.Count;
        if (values.Count > 16 || n < FromStartPoints || 2 * values.Count > n || !(values.Min() > 0) || values.Max() / scale > MaxOneClassShare
            || values.Sum() / scale > 1 + 1e-6 || Context.HasLearned() || !Context.LossStalled() || Context.IsActive(AlertKind.ClassCollapse, s.Tag))
        {
            return;
        }

        Raise(Descriptor, s.Tag, step, wallTime, s.Tag,
            $"{s.Tag} took only {values.Count} value(s) in {n} evaluations ({string.Join(", ", values.Order().Select(Fmt))}), together no more than all samples: the model predicts one class for every input",
            Evidence(("distinct_values", values.Count), ("evaluations", n), ("sum_of_values", values.Sum() / scale)));
    }

    /// <summary>A held-out recall, precision or F1 that is 0 at every one of <see cref="HeldEvaluations"/> or more evaluations: the class it scores is never predicted.</summary>
    private void AfterClassScore(ScalarSeries s, long step, double wallTime, double x)
    {
        _scoreSeen.TryGetValue(s, out var nonZero);
        nonZero |= x > 0;
        _scoreSeen[s] = nonZero;
        if (nonZero || s.Count < HeldEvaluations || Context.IsActive(AlertKind.ClassCollapse, s.Tag))
        {
            return;
        }

        Raise(Descriptor, s.Tag, step, wallTime, s.Tag,
            $"{s.Tag} was 0 at every one of its {s.Count} evaluations: the model never predicts the class it scores (the minority class), it predicts the others only",
            Evidence(("evaluations", s.Count)));
    }

    internal static double TopShare(HistogramSnapshot h)
    {
        if (h.Num > 0 && h.Min == h.Max)
        {
            return 1;
        }

        double top = 0, total = 0;
        foreach (var c in h.BucketCounts)
        {
            total += c;
            top = Math.Max(top, c);
        }

        return total > 0 ? top / total : 0;
    }

    /// <summary>One held-out accuracy: its best value and its distinct values (up to 17).</summary>
    private sealed class AccuracyState
    {
        public double Best { get; set; } = double.NegativeInfinity;

        public List<double> Values { get; } = [];
    }
}
