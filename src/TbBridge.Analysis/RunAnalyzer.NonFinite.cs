namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
    private long? _breakdownStep;
    private (string Tag, long Step, double WallTime, double Value)? _pendingValidationNan;

    /// <summary>After the training signals went non-finite, other rules stop: what follows is debris of the breakdown.</summary>
    private bool AfterBreakdown(long step) => _breakdownStep is { } b && step > b;

    private static bool IsTrainingSide(SignalRole role) => role is SignalRole.TrainLoss or SignalRole.GradNorm
        or SignalRole.ParamGradNorm or SignalRole.LearningRate or SignalRole.NonFiniteCount
        or SignalRole.GradHistogram or SignalRole.WeightHistogram or SignalRole.ActivationHistogram;

    private void OnNonFiniteScalar(SignalClassification c, string tag, long step, double wallTime, double value)
    {
        if (IsTrainingSide(c.Role))
        {
            RaiseNanInf(tag, [tag], step, wallTime, NonFiniteEvidence(value), $"{tag} is {Fmt(value)} at step {step}: training has broken down");
        }
        else if (c.Role == SignalRole.ValLoss && _breakdownStep is null && _pendingValidationNan is null)
        {
            // A held-out loss is computed from the weights after the step: if the training loss goes non-finite next,
            // this is the same breakdown and is reported there, at the training step; otherwise it is reported on its own.
            _pendingValidationNan = (tag, step, wallTime, value);
        }
    }

    private void ResolvePendingValidationNan(SignalRole role, long step)
    {
        if (_pendingValidationNan is { } p && IsTrainingSide(role) && step > p.Step)
        {
            RaisePendingValidationNan();
        }
    }

    private void RaisePendingValidationNan()
    {
        if (_pendingValidationNan is not { } p)
        {
            return;
        }

        _pendingValidationNan = null;
        if (_breakdownStep is null)
        {
            Raise(AlertKind.NanInf, AlertSeverity.Critical, "validation", p.Step, p.WallTime, p.Tag,
                $"{p.Tag} is {Fmt(p.Value)} at step {p.Step} while the training loss stays finite: the evaluation produces non-finite values",
                NonFiniteEvidence(p.Value));
        }
    }

    private void RaiseNanInf(string tag, IReadOnlyList<string> tags, long step, double wallTime, Dictionary<string, double> evidence, string message)
    {
        if (_breakdownStep is null)
        {
            _breakdownStep = step;
            _pendingValidationNan = null;
        }

        Raise(AlertKind.NanInf, AlertSeverity.Critical, "training", step, wallTime, tag, message, evidence, tags);
    }

    private static Dictionary<string, double> NonFiniteEvidence(double value) =>
        Evidence(("is_nan", double.IsNaN(value) ? 1 : 0), ("is_inf", double.IsInfinity(value) ? 1 : 0));
}
