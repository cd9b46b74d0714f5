namespace TbBridge.Cli.Internal;

/// <summary>The tags of one run, in the order they were first seen.</summary>
internal sealed record RunInspection(string Run, IReadOnlyList<TagSummary> Tags);
