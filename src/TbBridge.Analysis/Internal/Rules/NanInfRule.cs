namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// <c>nan_inf</c>: the first non-finite training-side value, at its own step; a held-out loss that goes non-finite is
/// held until the next training point (the same breakdown is reported once, at the training step). It marks the
/// breakdown in the context, after which the other rules stop. The facade calls it before any other rule.
/// </summary>
internal sealed class NanInfRule(RunContext context) : AnalysisRule(context)
{
    public static readonly RuleDescriptor Descriptor = new(AlertKind.NanInf, AlertSeverity.Critical,
        "a training loss, gradient norm, or gradient/weight/activation histogram");

    private (string Tag, long Step, double WallTime, double Value)? _pendingValidationNan;

    public override IReadOnlyList<RuleDescriptor> Descriptors { get; } = [Descriptor];

    public static bool IsTrainingSide(SignalRole role) => role is SignalRole.TrainLoss or SignalRole.GradNorm
        or SignalRole.ParamGradNorm or SignalRole.LearningRate or SignalRole.NonFiniteCount
        or SignalRole.GradHistogram or SignalRole.WeightHistogram or SignalRole.ActivationHistogram;

    public void OnNonFiniteScalar(SignalClassification c, string tag, long step, double wallTime, double value)
    {
        if (IsTrainingSide(c.Role))
        {
            RaiseNanInf(tag, [tag], step, wallTime, NonFiniteEvidence(value), $"{tag} is {Fmt(value)} at step {step}: training has broken down");
        }
        else if (c.Role == SignalRole.ValLoss && Context.BreakdownStep is null && _pendingValidationNan is null)
        {
            // A held-out loss is computed from the weights after the step: if the training loss goes non-finite next,
            // this is the same breakdown and is reported there, at the training step; otherwise it is reported on its own.
            _pendingValidationNan = (tag, step, wallTime, value);
        }
    }

    public void OnNonFiniteCount(SignalClassification c, string tag, long step, double wallTime, double value) =>
        RaiseNanInf(c.Subject, [c.Subject, tag], step, wallTime, Evidence(("non_finite_count", double.IsFinite(value) ? value : -1)), $"{c.Subject} has {Fmt(value)} NaN/Inf values at step {step}");

    public void OnNonFiniteHistogram(string tag, long step, double wallTime, HistogramSnapshot h) =>
        RaiseNanInf(tag, [tag], step, wallTime,
            Evidence(("nan_count", h.NanCount), ("inf_count", h.InfCount), ("min", Finite(h.Min)), ("max", Finite(h.Max))),
            $"{tag} holds NaN/Inf values at step {step}: training has broken down");

    /// <summary>A finite training-side point of a later step confirms that training did not break with the evaluation.</summary>
    public void OnFinitePoint(SignalRole role, long step)
    {
        if (_pendingValidationNan is { } p && IsTrainingSide(role) && step > p.Step)
        {
            RaisePendingValidationNan();
        }
    }

    public override void OnComplete() => RaisePendingValidationNan();

    private void RaisePendingValidationNan()
    {
        if (_pendingValidationNan is not { } p)
        {
            return;
        }

        _pendingValidationNan = null;
        if (Context.BreakdownStep is null)
        {
            Raise(Descriptor, "validation", p.Step, p.WallTime, p.Tag,
                $"{p.Tag} is {Fmt(p.Value)} at step {p.Step} while the training loss stays finite: the evaluation produces non-finite values",
                NonFiniteEvidence(p.Value));
        }
    }

    private void RaiseNanInf(string tag, IReadOnlyList<string> tags, long step, double wallTime, Dictionary<string, double> evidence, string message)
    {
        if (Context.BreakdownStep is null)
        {
            Context.BreakdownStep = step;
            _pendingValidationNan = null;
        }

        Raise(Descriptor, "training", step, wallTime, tag, message, evidence, tags);
    }

    private static Dictionary<string, double> NonFiniteEvidence(double value) =>
        Evidence(("is_nan", double.IsNaN(value) ? 1 : 0), ("is_inf", double.IsInfinity(value) ? 1 : 0));

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;
}
