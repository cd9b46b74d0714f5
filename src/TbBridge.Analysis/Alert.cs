namespace TbBridge.Analysis;

/// <summary>One finding about one run. Immutable.</summary>
/// <param name="Run">The run the alert is about (as given to <see cref="RunAnalyzer"/>).</param>
/// <param name="Kind">One of the <see cref="AlertKind"/> constants.</param>
/// <param name="Severity">How bad it is.</param>
/// <param name="Step">The step at which the evidence became conclusive.</param>
/// <param name="Tag">The primary tag involved.</param>
/// <param name="Tags">Every tag involved (the primary one first).</param>
/// <param name="Subject">What the alert is deduplicated on within its kind (a tag, a layer, or "training").</param>
/// <param name="Message">One line a person understands.</param>
/// <param name="Hint">The usual causes, shortly.</param>
/// <param name="Evidence">The numbers behind the alert, by name.</param>
/// <param name="WallTime">Wall time (seconds since the Unix epoch) of the point that made the evidence conclusive.</param>
public sealed record Alert(
    string Run,
    string Kind,
    AlertSeverity Severity,
    long Step,
    string Tag,
    IReadOnlyList<string> Tags,
    string Subject,
    string Message,
    string Hint,
    IReadOnlyDictionary<string, double> Evidence,
    double WallTime)
{
    /// <summary>
    /// The sub-run of the primary tag's evidence when the run is made of sub-runs (<c>validation</c> of a Keras fit;
    /// its tags then read <c>validation/epoch_loss</c>), else null.
    /// </summary>
    public string? SubRun { get; init; }
}
