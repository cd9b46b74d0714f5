namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// A stream whose replica died holding it (<see cref="IStreamStateStore.ClaimOrphans"/>), with what the shared state
/// knows of its last points, for the <c>disconnected</c> alert a surviving replica raises about it.
/// </summary>
/// <param name="Identity">The stream.</param>
/// <param name="Epoch">The owner epoch of the dead replica's claim; a claim since (the worker resumed) moves it on.</param>
/// <param name="Points">Points acked on the stream, all replicas together.</param>
/// <param name="LastStep">The newest point's step (0 before any).</param>
/// <param name="LastTag">The newest point's tag ("" before any).</param>
/// <param name="WallTime">The newest point's wall time, seconds since the Unix epoch (0 before any).</param>
/// <param name="SilentSeconds">Seconds since its last acked point (or its break) when the judgement was taken.</param>
internal sealed record OrphanedStream(StreamIdentity Identity, long Epoch, long Points, long LastStep, string LastTag, double WallTime, double SilentSeconds);
