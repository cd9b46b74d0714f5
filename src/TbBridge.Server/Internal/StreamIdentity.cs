namespace TbBridge.Server.Internal;

/// <summary>
/// Who writes a stream: the run directory <c>project/run</c>, the worker's own file, and the resume key. Shared by
/// ingest (which opens streams) and alerts (which say where an alert came from), so it belongs to neither.
/// </summary>
internal sealed record StreamIdentity(string Project, string Run, string Worker, string Host, string StreamId)
{
    public string RunKey => Project + "/" + Run;
}
