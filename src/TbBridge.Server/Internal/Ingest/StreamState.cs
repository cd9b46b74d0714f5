namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// What the service durably holds of one stream id: the last sequence acked, and the file and byte offset
/// that sequence ends at. Anything in that file beyond the offset was never acked and is cut on recovery.
/// </summary>
/// <param name="Identity">The stream.</param>
/// <param name="LastSequence">The last sequence acked.</param>
/// <param name="File">Its event file, relative to the data directory; null before one is named.</param>
/// <param name="FileOffset">The file's length at <paramref name="LastSequence"/>.</param>
/// <param name="Epoch">
/// The owner epoch of the replica that holds the stream (a shared store); a save under an older epoch is refused.
/// Always 0 in a store of one service.
/// </param>
internal sealed record StreamState(StreamIdentity Identity, ulong LastSequence, string? File, long FileOffset, long Epoch = 0)
{
    /// <summary>What arrived since the last save, for a shared run registry (null with a store of one service, which ignores it).</summary>
    public StreamDelta? Delta { get; init; }
}
