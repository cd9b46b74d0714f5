namespace TbBridge.Server.Internal;

/// <summary>
/// Who writes a stream: the run <c>project/run</c>, the worker (its own TensorBoard run under the run's
/// directory), and the resume key. Shared by ingest (which opens streams) and alerts (which say where an alert
/// came from), so it belongs to neither.
/// </summary>
internal sealed record StreamIdentity(string Project, string Run, string Worker, string Host, string StreamId)
{
    public string RunKey => Project + "/" + Run;

    /// <summary>Stream ids are the project's own: the same id in two projects names two streams.</summary>
    public StreamKey Key => new(Project, StreamId);

    /// <summary>One worker of one run: one TensorBoard run, one analysis, at most one live stream.</summary>
    public WorkerKey WorkerKey => new(Project, Run, Worker);
}

/// <summary>A stream id within its project.</summary>
internal readonly record struct StreamKey(string Project, string StreamId);

/// <summary>A worker within its run.</summary>
internal readonly record struct WorkerKey(string Project, string Run, string Worker);
