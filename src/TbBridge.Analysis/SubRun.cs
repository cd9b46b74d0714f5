namespace TbBridge.Analysis;

/// <summary>One directory of a training run.</summary>
/// <param name="Run">The run as discovered (its path under the log directory), to read its files.</param>
/// <param name="Name">Its path relative to the training run: <c>validation</c>, <c>loss_val</c>, or empty for the training run's own folder.</param>
/// <param name="Role">What its name says it holds.</param>
public sealed record SubRun(string Run, string Name, SubRunRole Role);
