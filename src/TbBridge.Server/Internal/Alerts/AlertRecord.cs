using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>A stored alert: numbered in raise order, with the stream it came from.</summary>
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
    double RaisedAt);
