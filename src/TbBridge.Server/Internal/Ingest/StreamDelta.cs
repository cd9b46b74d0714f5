namespace TbBridge.Server.Internal.Ingest;

/// <summary>What a stream received between two commits (<see cref="StreamProgress.Take"/>).</summary>
/// <param name="Points">Points written.</param>
/// <param name="LastStep">The highest step among them; null when none.</param>
/// <param name="LastTag">The newest point's tag (by its wall time).</param>
/// <param name="NewestWallTime">The newest point's wall time, seconds since the Unix epoch; null when none.</param>
/// <param name="NewTags">Tags the stream carried for the first time.</param>
internal sealed record StreamDelta(long Points, long? LastStep, string LastTag, double? NewestWallTime, IReadOnlyList<string> NewTags);
