using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// A stored alert: numbered in raise order, with the stream it came from and everything the engine said of it.
/// </summary>
/// <param name="Id">Increasing in raise order.</param>
/// <param name="Project">The stream's project.</param>
/// <param name="Run">The stream's run.</param>
/// <param name="Worker">The stream's worker.</param>
/// <param name="Kind">One of the engine's <see cref="AlertKind"/> constants.</param>
/// <param name="Severity">How bad it is.</param>
/// <param name="Tag">The primary tag involved.</param>
/// <param name="Step">The step at which the evidence became conclusive.</param>
/// <param name="Message">One line a person understands.</param>
/// <param name="RaisedAt">When the service raised it, seconds since the Unix epoch.</param>
/// <param name="Tags">Every tag involved, the primary one (<paramref name="Tag"/>) first.</param>
/// <param name="Subject">What the alert is deduplicated on within its kind: a tag, a layer, or <c>training</c>.</param>
/// <param name="Hint">The usual causes, shortly.</param>
/// <param name="Evidence">The numbers behind the alert, by the rule's names, in the rule's order.</param>
internal sealed record AlertRecord(
    long Id,
    string Project,
    string Run,
    string Worker,
    string Kind,
    AlertSeverity Severity,
    string Tag,
    long Step,
    string Message,
    double RaisedAt,
    IReadOnlyList<string> Tags,
    string Subject,
    string Hint,
    IReadOnlyDictionary<string, double> Evidence);
