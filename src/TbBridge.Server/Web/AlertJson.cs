namespace TbBridge.Server.Web;

/// <summary>An alert whole; <c>subRun</c> is the worker's TensorBoard run (<c>&lt;project&gt;/&lt;run&gt;/&lt;worker&gt;</c>'s last part).</summary>
internal sealed record AlertJson(
    long Id, string Project, string Run, string Worker, string Kind, string Severity, string Tag, long Step, string Message, double RaisedAt,
    IReadOnlyList<string> Tags, string Subject, string Hint, EvidenceJson[] Evidence, string SubRun);
