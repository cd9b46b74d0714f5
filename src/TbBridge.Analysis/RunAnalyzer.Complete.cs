namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
    /// <summary>
    /// Ends the stream: runs the end-of-run checks (plateau over the whole run, weights unchanged, unrecognised signals,
    /// a held-out NaN still waiting for confirmation). Idempotent; no point may be observed afterwards.
    /// </summary>
    public void Complete()
    {
        if (_completed)
        {
            return;
        }

        FlushPendingSpike(long.MaxValue);
        RaisePendingValidationNan();
        if (_breakdownStep is null)
        {
            foreach (var s in _trainLosses)
            {
                CheckPlateau(s, final: true);
            }

            foreach (var s in _valLosses)
            {
                CheckPlateau(s, final: true);
            }

            CheckWeightsUnchanged();
        }

        CheckUnrecognized();
        _completed = true;
    }

    private void CheckWeightsUnchanged()
    {
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
            if (change <= _options.UnchangedRelative)
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
        Raise(AlertKind.WeightsUnchanged, all ? AlertSeverity.Warning : AlertSeverity.Info, "weights", lastStep, _lastWallTime, tags[0],
            all
                ? $"none of the {tracked} weight tensors changed between their first and last snapshot: the model is not training"
                : $"{unchanged.Count} of {tracked} weight tensors never changed (frozen?): {string.Join(", ", unchanged.Take(5))}",
            Evidence(("unchanged_tensors", unchanged.Count), ("tracked_tensors", tracked), ("max_relative_change", maxChange)),
            tags);
    }

    private void CheckUnrecognized()
    {
        var hasLoss = _trainLosses.Count > 0 || _valLosses.Count > 0;
        if (_unknownTags.Count == 0 && (hasLoss || PointsObserved == 0))
        {
            return;
        }

        var known = _scalarRoles.Count + _histogramRoles.Count - _unknownTags.Count;
        var sample = _unknownTags.Order(StringComparer.Ordinal).Take(10).ToArray();
        var message = hasLoss
            ? $"{_unknownTags.Count} tag(s) have no known role and were not analysed: {string.Join(", ", sample)}"
            : $"no loss signal recognised among {known + _unknownTags.Count} tag(s), so most rules cannot run; unrecognised: {string.Join(", ", sample)}";
        Raise(AlertKind.UnrecognizedSignals, AlertSeverity.Info, "signals", _lastStep, _lastWallTime, sample.Length > 0 ? sample[0] : string.Empty, message,
            Evidence(("unrecognized_tags", _unknownTags.Count), ("recognized_tags", known)), sample);
    }
}
