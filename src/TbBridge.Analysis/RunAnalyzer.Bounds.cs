using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

public sealed partial class RunAnalyzer
{
    /// <summary>
    /// Raised once, with the tag, the first time a tag is turned away because the analyser holds state for
    /// <see cref="AnalysisOptions.MaxTags"/> tags already: that tag's points (and any other's beyond the bound) are not analysed.
    /// </summary>
    public event Action<string>? TagLimitReached;

    /// <summary>Tags the analyser holds state for (each numbered histogram of a tag counts); at most <see cref="AnalysisOptions.MaxTags"/>.</summary>
    public int TagsAnalysed => _context.AnalysedTags;

    /// <summary>Distinct tags turned away by <see cref="AnalysisOptions.MaxTags"/>, counted as long as they are remembered (up to that many).</summary>
    public int TagsNotAnalysed => _context.RefusedTags;

    /// <summary>Points of tags beyond <see cref="AnalysisOptions.MaxTags"/>: counted in <see cref="PointsObserved"/>, seen by no rule.</summary>
    public long PointsNotAnalysed => _context.PointsNotAnalysed;

    /// <summary>
    /// Alerts the rules asked for that were not raised: the condition came back before a real recovery
    /// (<see cref="AnalysisOptions.RecoveryPoints"/>), or the (kind, subject) had <see cref="AnalysisOptions.MaxAlertsPerSubject"/>.
    /// </summary>
    public long AlertsSuppressed => _context.SuppressedAlerts;

    /// <summary>
    /// The roles the bound keeps room for: what the rules judge a run by (a loss, an accuracy, a gradient norm, the
    /// learning rate, a NaN count). Any other tag gets the first three quarters of the bound only.
    /// </summary>
    private static bool IsPreferred(SignalRole role) => role is SignalRole.TrainLoss or SignalRole.ValLoss
        or SignalRole.TrainAccuracy or SignalRole.ValAccuracy or SignalRole.LearningRate
        or SignalRole.GradNorm or SignalRole.ParamGradNorm or SignalRole.NonFiniteCount;

    /// <summary>Whether a tag seen for the first time gets state; counts it if so, remembers it (bounded) if not.</summary>
    private bool Admit(TagTable table, string tag, SignalKind kind)
    {
        if (_context.AnalysedTags < _openTags)
        {
            _context.AnalysedTags++;
            return true;
        }

        if (table.Refused.Contains(tag))
        {
            return false;
        }

        if (_context.AnalysedTags < _options.MaxTags && IsPreferred(RoleFor(table, tag, kind).Role))
        {
            _context.AnalysedTags++;
            return true;
        }

        Refuse(table, tag);
        return false;
    }

    /// <summary>Whether the numbered histograms of a tag up to <paramref name="index"/> get state (they are never preferred).</summary>
    private bool AdmitNumbered(HistogramTag entry, int index)
    {
        var needed = index + 1 - entry.Count;
        var room = (IsPreferred(entry.Signal.Role) ? _options.MaxTags : _openTags) - _context.AnalysedTags;
        if (needed > room)
        {
            ReportLimit(string.Concat(entry.At(0).Name, "[", index.ToString(System.Globalization.CultureInfo.InvariantCulture), "]"));
            return false;
        }

        _context.AnalysedTags += needed;
        return true;
    }

    private void Refuse(TagTable table, string tag)
    {
        if (_context.RefusedTags < _options.MaxTags)
        {
            table.Refused.Add(tag);
            _context.RefusedTags++;
        }

        ReportLimit(table.NameOf(tag));
    }

    private void ReportLimit(string tag)
    {
        if (!_limitReported)
        {
            _limitReported = true;
            TagLimitReached?.Invoke(tag);
        }
    }
}
