using System.Collections.Concurrent;

namespace TbBridge.Server.Internal.Runs;

/// <summary>
/// Every run the service has seen, by <c>project/run</c>, kept in memory by ingest, liveness and alerts; the
/// catalog of one service (replicas read theirs from PostgreSQL).
/// </summary>
internal sealed class RunRegistry : IRunCatalog
{
    private readonly ConcurrentDictionary<(string Project, string Run), RunStatus> _runs = new();

    public RunStatus GetOrAdd(string project, string run) => _runs.GetOrAdd((project, run), static k => new RunStatus(k.Project, k.Run));

    public RunStatus? Find(string project, string run) => _runs.TryGetValue((project, run), out var status) ? status : null;

    public IReadOnlyList<RunStatus> All() =>
        _runs.Values.OrderBy(r => r.Project, StringComparer.Ordinal).ThenBy(r => r.Run, StringComparer.Ordinal).ToArray();
}
