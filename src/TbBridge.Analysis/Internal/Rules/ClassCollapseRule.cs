namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>class_collapse</c>: a predictions histogram with most of its mass in one class for several snapshots, after the
/// model had learned to tell classes apart (a model that first predicts the majority class is learning the prior).
/// </summary>
internal sealed class ClassCollapseRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.ClassCollapse, AlertSeverity.Warning, "a predictions histogram (3 snapshots) and a loss");

    private readonly Dictionary<string, (int Streak, bool SeenDiverse)> _predictions = new(StringComparer.Ordinal);

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
        st.Streak = share >= Options.CollapseShare ? st.Streak + 1 : 0;
        _predictions[tag] = st;
        if (st.Streak >= Options.ConsecutiveSnapshots && st.SeenDiverse)
        {
            Raise(Descriptor, tag, step, wallTime, tag,
                $"{Fmt(share * 100)}% of predictions in {tag} are one class for {st.Streak} snapshots in a row, after the model had learned to tell classes apart",
                Evidence(("top_class_share", share), ("snapshots", st.Streak)));
        }
        else if (st.Streak == 0)
        {
            Context.Clear(AlertKind.ClassCollapse, tag);
        }
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
