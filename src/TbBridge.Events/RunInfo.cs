namespace TbBridge.Events;

/// <summary>A TensorBoard run: a directory holding event files.</summary>
/// <param name="Name">Path relative to the log directory, with '/' separators; "." for the log directory itself.</param>
/// <param name="Directory">Full path of the run directory.</param>
/// <param name="EventFiles">Full paths of its event files, in name order (the order TensorBoard reads them).</param>
public sealed record RunInfo(string Name, string Directory, IReadOnlyList<string> EventFiles);
