namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// What the service durably holds of one stream id: the last sequence acked, and the file and byte offset
/// that sequence ends at. Anything in that file beyond the offset was never acked and is cut on recovery.
/// </summary>
internal sealed record StreamState(StreamIdentity Identity, ulong LastSequence, string? File, long FileOffset);
