namespace TbBridge.Analysis.Internal;

/// <summary>
/// The tags of one sub-run of the analysed run (or of the run's own folder): their classification, the series of the
/// scalar ones, and the name the rules know them by (<c>validation/epoch_loss</c>: the sub-run, then the tag).
/// </summary>
internal sealed class TagTable(string subRun, SubRunRole role)
{
    /// <summary>The sub-run's name; empty for the run's own tags.</summary>
    public string SubRun { get; } = subRun;

    public SubRunRole Role { get; } = role;

    public Dictionary<string, ScalarSeries> Series { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, SignalClassification> ScalarRoles { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, HistogramTag> Histograms { get; } = new(StringComparer.Ordinal);

    /// <summary>Tags turned away by the analyser's bound on tags (remembered up to that bound, so they are not classified again).</summary>
    public HashSet<string> Refused { get; } = new(StringComparer.Ordinal);

    /// <summary>The name a tag of this sub-run goes by in series, alerts and messages.</summary>
    public string NameOf(string tag) => SubRun.Length == 0 ? tag : string.Concat(SubRun, "/", tag);
}
