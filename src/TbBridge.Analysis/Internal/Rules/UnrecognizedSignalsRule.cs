namespace TbBridge.Analysis.Internal.Rules;

/// <summary><c>unrecognized_signals</c> (info), at the end of the run: the tags no signal rule gave a role, and whether any loss was recognised.</summary>
internal sealed class UnrecognizedSignalsRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.UnrecognizedSignals, AlertSeverity.Info, "any tag");

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public override void OnComplete()
    {
        var unknown = Context.UnknownTags;
        var hasLoss = Context.TrainLosses.Count > 0 || Context.ValLosses.Count > 0;
        if (unknown.Count == 0)
        {
            // Every tag has a role, or is left out by design (hparam/… summary metrics, throughput, loss scales): nothing
            // to rename. PyTorch's add_hparams sub-run holds only hparam/ metrics, and an alert that named no tag was noise.
            return;
        }

        var known = Context.ClassifiedTags - unknown.Count;
        var sample = unknown.Order(StringComparer.Ordinal).Take(10).ToArray();
        var message = hasLoss
            ? $"{unknown.Count} tag(s) have no known role and were not analysed: {string.Join(", ", sample)}"
            : $"no loss signal recognised among {known + unknown.Count} tag(s), so most rules cannot run; unrecognised: {string.Join(", ", sample)}";
        Raise(Descriptor, "signals", Context.LastStep, Context.LastWallTime, sample.Length > 0 ? sample[0] : string.Empty, message,
            Evidence(("unrecognized_tags", unknown.Count), ("recognized_tags", known)), sample);
    }
}
