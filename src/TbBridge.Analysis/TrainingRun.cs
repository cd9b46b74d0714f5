namespace TbBridge.Analysis;

/// <summary>One training run made of one or more run directories (see <see cref="TrainingRunRules.Group"/>).</summary>
/// <param name="Name">The training run's name: the common folder of its sub-runs.</param>
/// <param name="SubRuns">Its directories: its own folder first (when it holds event files), then the others by name.</param>
public sealed record TrainingRun(string Name, IReadOnlyList<SubRun> SubRuns);
