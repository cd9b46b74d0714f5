using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
    /// <summary>Observes one scalar point. Non-finite values are allowed (they are what <c>nan_inf</c> is about).</summary>
    public void ObserveScalar(string tag, long step, double wallTime, double value)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ObserveScalar(_own, tag, step, wallTime, value);
    }

    /// <summary>
    /// Observes one scalar point of a sub-run of this training run (Keras's <c>validation/</c>, an <c>add_scalars</c>
    /// key): the rules see it together with the other sub-runs' points, by the name <c>&lt;sub-run&gt;/&lt;tag&gt;</c>,
    /// and a held-out sub-run's losses and accuracies as validation ones. Feed the sub-runs' points in time order.
    /// </summary>
    public void ObserveScalar(SubRun subRun, string tag, long step, double wallTime, double value)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ObserveScalar(TableOf(subRun), tag, step, wallTime, value);
    }

    /// <summary>Observes one histogram point.</summary>
    public void ObserveHistogram(string tag, long step, double wallTime, HistogramSnapshot histogram)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ObserveHistogram(_own, tag, step, wallTime, histogram);
    }

    /// <summary>Observes one histogram point of a sub-run (see <see cref="ObserveScalar(SubRun, string, long, double, double)"/>).</summary>
    public void ObserveHistogram(SubRun subRun, string tag, long step, double wallTime, HistogramSnapshot histogram)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ObserveHistogram(TableOf(subRun), tag, step, wallTime, histogram);
    }

    private void ObserveScalar(TagTable table, string tag, long step, double wallTime, double value)
    {
        Touch(step, wallTime);
        if (GetSeries(table, tag) is not { } s)
        {
            _context.PointsNotAnalysed++;
            return;
        }

        tag = s.Tag;
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
            _context.OnLearningRate(tag, step, value);
        }

        foreach (var rule in _rules.Before[(int)c.Role])
        {
            rule.BeforeAdd(s, step, wallTime, value);
        }

        s.Add(step, wallTime, value);
        foreach (var rule in _rules.After[(int)c.Role])
        {
            rule.AfterAdd(s, step, wallTime, value);
        }

        if (c.Role == SignalRole.ParamGradNorm)
        {
            OnParamGradNorm(c.Subject, tag, step, wallTime, value);
        }
    }

    private void ObserveHistogram(TagTable table, string tag, long step, double wallTime, HistogramSnapshot histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        Touch(step, wallTime);
        if (!table.Histograms.TryGetValue(tag, out var entry))
        {
            if (!Admit(table, tag, SignalKind.Histogram))
            {
                _context.PointsNotAnalysed++;
                return;
            }

            entry = new HistogramTag(Classify(table, tag, SignalKind.Histogram), table.NameOf(tag));
            table.Histograms.Add(tag, entry);
        }

        var index = entry.Advance(step);
        if (index >= entry.Count && !AdmitNumbered(entry, index))
        {
            _context.PointsNotAnalysed++;
            return;
        }

        (var c, tag) = entry.At(index);
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
                foreach (var rule in _rules.Histograms)
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
        foreach (var rule in _rules.ParamGradNorms)
        {
            rule.OnParamGradNorm(subject, tag, step, wallTime, norm, newRound);
        }
    }

    /// <summary>The tag's state, classified on first sight (one dictionary lookup per point); null for a tag beyond the bound.</summary>
    private ScalarSeries? GetSeries(TagTable table, string tag)
    {
        if (!table.Series.TryGetValue(tag, out var s))
        {
            if (!Admit(table, tag, SignalKind.Scalar))
            {
                return null;
            }

            var c = Classify(table, tag, SignalKind.Scalar);
            table.ScalarRoles.Add(tag, c);
            s = new ScalarSeries(table.NameOf(tag), c) { RunningMean = tag.StartsWith("batch_", StringComparison.OrdinalIgnoreCase) };
            table.Series.Add(tag, s);
            if (c.Role == SignalRole.TrainLoss)
            {
                _context.TrainLosses.Add(s);
            }
            else if (c.Role == SignalRole.ValLoss)
            {
                _context.ValLosses.Add(s);
            }
            else if (c.Role == SignalRole.TrainAccuracy)
            {
                _context.TrainAccuracies.Add(s);
            }
            else if (c.Role == SignalRole.ValAccuracy)
            {
                _context.ValAccuracies.Add(s);
            }
        }

        return s;
    }
}
