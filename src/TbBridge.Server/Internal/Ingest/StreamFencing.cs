namespace TbBridge.Server.Internal.Ingest;

/// <summary>What a replica tells a stream's client when another replica has taken the stream (its owner epoch moved on).</summary>
internal static class StreamFencing
{
    public static StreamRejectedException Lost(StreamIdentity identity) => new(
        StreamRejection.StorageFailed,
        $"Stream '{identity.StreamId}' was taken over by another replica of the service; nothing unacknowledged was kept here. Reconnect and resume.");
}
