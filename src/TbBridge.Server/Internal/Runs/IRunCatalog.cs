namespace TbBridge.Server.Internal.Runs;

/// <summary>
/// The runs as their readers see them (the seam of "runs and liveness"): <c>ListRuns</c>, <c>GetRun</c> and the page
/// ask it and never know which home answered. One service answers from its own <see cref="RunRegistry"/>; replicas
/// answer from PostgreSQL (Storage/Postgres), for every replica's streams.
/// </summary>
internal interface IRunCatalog
{
    /// <summary>Every run, ordered by project, then run.</summary>
    IReadOnlyList<RunStatus> All();

    /// <summary>One run with its tags; null when no stream of it is known.</summary>
    RunStatus? Find(string project, string run);
}
