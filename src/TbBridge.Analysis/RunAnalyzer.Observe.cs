using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
    /// <summary>Observes one scalar point. Non-finite values are allowed (they are what <c>nan_inf</c> is about).</summary>
    public void ObserveScalar(string tag, long step, double wallTime, double value)
    {
        ArgumentNullException.ThrowIfNull(tag);
        Touch(step, wallTime);
        var s = GetSeries(tag);
        var c = s.Signal;
        switch (c.Role)
        {
            case SignalRole.Ignored:
                return;
            case SignalRole.Unknown:
                NoteUnknown(tag);
                return;
            case SignalRole.NonFiniteCount:
                if (!(value <= 0))
                {
                    _nanInf.OnNonFiniteCount(c, tag, step, wallTime, value);
                }

                return;
            default:
                break;
        }

        if (!double.IsFinite(value))
        {
            _nanInf.OnNonFiniteScalar(c, tag, step, wallTime, value);
            return;
        }

        _nanInf.OnFinitePoint(c.Role, step);
        if (_context.AfterBreakdown(step))
        {
            s.Add(step, wallTime, value);
            return;
        }

        if (c.Role == SignalRole.LearningRate)
        {
            _context.OnLearningRate(step, value);
        }

        var rules = _byRole[(int)c.Role];
        foreach (var rule in rules)
        {
            rule.BeforeAdd(s, step, wallTime, value);
        }

        s.Add(step, wallTime, value);
        foreach (var rule in rules)
        {
            rule.AfterAdd(s, step, wallTime, value);
        }

        if (c.Role == SignalRole.ParamGradNorm)
        {
            OnParamGradNorm(c.Subject, tag, step, wallTime, value);
        }
    }

    /// <summary>Observes one histogram point.</summary>
    public void ObserveHistogram(string tag, long step, double wallTime, HistogramSnapshot histogram)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(histogram);
        Touch(step, wallTime);
        var c = Classify(tag, SignalKind.Histogram);
        if (c.Role == SignalRole.Unknown)
        {
            NoteUnknown(tag);
            return;
        }

        if (histogram.HasNonFinite && Internal.Rules.NanInfRule.IsTrainingSide(c.Role))
        {
            _nanInf.OnNonFiniteHistogram(tag, step, wallTime, histogram);
            return;
        }

        if (_context.AfterBreakdown(step))
        {
            return;
        }

        _nanInf.OnFinitePoint(c.Role, step);
        switch (c.Role)
        {
            case SignalRole.GradHistogram:
                OnParamGradNorm(c.Subject, tag, step, wallTime, histogram.L2Norm);
                break;
            case SignalRole.WeightHistogram or SignalRole.ActivationHistogram or SignalRole.Predictions:
                foreach (var rule in _rules)
                {
                    rule.OnHistogram(c, tag, step, wallTime, histogram);
                }

                break;
            default:
                break;
        }
    }

    private void OnParamGradNorm(string subject, string tag, long step, double wallTime, double norm)
    {
        var newRound = _context.AddParamNorm(subject, tag, norm);
        foreach (var rule in _rules)
        {
            rule.OnParamGradNorm(subject, tag, step, wallTime, norm, newRound);
        }
    }

    /// <summary>The tag's state, classified on first sight (one dictionary lookup per point).</summary>
    private ScalarSeries GetSeries(string tag)
    {
        if (!_series.TryGetValue(tag, out var s))
        {
            var c = Classify(tag, SignalKind.Scalar);
            s = new ScalarSeries(tag, c);
            _series.Add(tag, s);
            if (c.Role == SignalRole.TrainLoss)
            {
                _context.TrainLosses.Add(s);
            }
            else if (c.Role == SignalRole.ValLoss)
            {
                _context.ValLosses.Add(s);
            }
        }

        return s;
    }
}
