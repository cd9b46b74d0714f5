namespace TbBridge.Server.Internal.Ingest;

/// <summary>Who writes a stream: the run directory <c>project/run</c>, the worker's own file, and the resume key.</summary>
internal sealed record StreamIdentity(string Project, string Run, string Worker, string Host, string StreamId)
{
    public string RunKey => Project + "/" + Run;
}
