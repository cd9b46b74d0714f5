using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>Which alerts a caller wants; null or empty parts match everything.</summary>
internal sealed record AlertQuery(string? Project, string? Run, IReadOnlySet<string> Kinds, AlertSeverity? MinSeverity)
{
    /// <summary>One worker's alerts only (filtered by the store, not in memory); null = every worker.</summary>
    public string? Worker { get; init; }

    /// <summary>Projects the caller may read; null = all.</summary>
    public Func<string, bool>? CanRead { get; init; }

    public bool Matches(AlertRecord alert) =>
        (string.IsNullOrEmpty(Project) || alert.Project == Project)
        && (string.IsNullOrEmpty(Run) || alert.Run == Run)
        && (Worker is null || alert.Worker == Worker)
        && (Kinds.Count == 0 || Kinds.Contains(alert.Kind))
        && (MinSeverity is null || alert.Severity >= MinSeverity)
        && (CanRead is null || CanRead(alert.Project));
}
