namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>class_collapse</c>: a predictions histogram with most of its mass in one class for several snapshots, after the
/// model had learned to tell classes apart (a model that first predicts the majority class is learning the prior); or,
/// from the first evaluation, in a model that never learned: a predictions histogram in one class for 5 snapshots, or a
/// held-out accuracy that only ever takes the values of class shares (one value per predicted class, adding up to no
/// more than 1) over 5 or more evaluations.
/// </summary>
internal sealed class ClassCollapseRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.ClassCollapse, AlertSeverity.Warning, "a predictions histogram (3 snapshots) and a loss; from the start, 5 snapshots or 5 held-out accuracies");

    /// <summary>Snapshots or evaluations a collapse from the start needs.</summary>
    private const int FromStartPoints = 5;

    private readonly Dictionary<string, (int Streak, bool SeenDiverse, bool EverDiverse)> _predictions = new(StringComparer.Ordinal);
    private readonly Dictionary<ScalarSeries, List<double>> _accuracyValues = [];

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

    public override bool Watches(SignalRole role) => role == SignalRole.ValAccuracy;

    /// <summary>A held-out accuracy that only takes class shares: a model that predicts one class (perhaps a different one at times).</summary>
    public override void AfterAdd(ScalarSeries s, long step, double wallTime, double x)
    {
        if (!_accuracyValues.TryGetValue(s, out var values))
        {
            _accuracyValues.Add(s, values = []);
        }

        if (values.Count > 16)
        {
            return; // a model that tells classes apart: its accuracy takes many values
        }

        if (!values.Contains(x))
        {
            values.Add(x);
        }

        var scale = s.Median > 1.5 ? 100 : 1;
        var n = s.Count;
        // After a breakdown (argmax of NaN is class 0) it is debris, whichever step axis the accuracy is on.
        if (n < FromStartPoints || 2 * values.Count > n || !(values.Min() > 0) || values.Sum() / scale > 1 + 1e-6 || Context.HasLearned() || !Context.LossStalled() || Context.BreakdownStep is not null)
        {
            return;
        }

        Raise(Descriptor, s.Tag, step, wallTime, s.Tag,
            $"{s.Tag} took only {values.Count} value(s) in {n} evaluations ({string.Join(", ", values.Order().Select(Fmt))}), together no more than all samples: the model predicts one class for every input",
            Evidence(("distinct_values", values.Count), ("evaluations", n), ("sum_of_values", values.Sum() / scale)));
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
}
