namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>weights_unchanged</c>, at the end of the run: weight tensors (3 snapshots or more) whose min, max, mean and RMS did
/// not move between the first and last snapshot; a warning when all did not, info when only some (frozen layers).
/// </summary>
internal sealed class WeightsUnchangedRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.WeightsUnchanged, AlertSeverity.Warning, "weight histograms, 3 snapshots per tensor");

    private readonly Dictionary<string, WeightTrack> _weights = new(StringComparer.Ordinal);

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override void OnHistogram(SignalClassification c, string tag, long step, double wallTime, HistogramSnapshot h)
    {
        if (c.Role != SignalRole.WeightHistogram)
        {
            return;
        }

        if (!_weights.TryGetValue(c.Subject, out var w))
        {
            _weights.Add(c.Subject, new WeightTrack(tag, h, step));
            return;
        }

        if (step > w.LastStep)
        {
            w.Add(h, step);
        }
    }

    public override void OnComplete()
    {
        if (Context.BreakdownStep is not null)
        {
            return;
        }

        var tracked = 0;
        var unchanged = new List<string>();
        var maxChange = 0.0;
        long lastStep = 0;
        foreach (var (subject, w) in _weights)
        {
            if (w.Snapshots < 3)
            {
                continue;
            }

            tracked++;
            lastStep = Math.Max(lastStep, w.LastStep);
            var change = w.RelativeChange();
            if (change <= Options.UnchangedRelative)
            {
                unchanged.Add(subject);
                maxChange = Math.Max(maxChange, change);
            }
        }

        if (unchanged.Count == 0)
        {
            return;
        }

        var all = unchanged.Count == tracked;
        var tags = unchanged.Select(s => _weights[s].Tag).Take(20).ToArray();
        Context.Raise(AlertKind.WeightsUnchanged, all ? AlertSeverity.Warning : AlertSeverity.Info, "weights", lastStep, Context.LastWallTime, tags[0],
            all
                ? $"none of the {tracked} weight tensors changed between their first and last snapshot: the model is not training"
                : $"{unchanged.Count} of {tracked} weight tensors never changed (frozen?): {string.Join(", ", unchanged.Take(5))}",
            Evidence(("unchanged_tensors", unchanged.Count), ("tracked_tensors", tracked), ("max_relative_change", maxChange)),
            tags);
    }
}
