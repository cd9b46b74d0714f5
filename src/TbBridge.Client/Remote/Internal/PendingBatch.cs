using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>A sealed batch waiting for its ack: in memory, in the spool, or both.</summary>
internal sealed class PendingBatch
{
    public PendingBatch(ulong sequence, int points, int size, PointBatch? message)
    {
        Sequence = sequence;
        Points = points;
        Size = size;
        Message = message;
    }

    public ulong Sequence { get; }

    public int Points { get; }

    public int Size { get; }

    /// <summary>The batch in memory; null when it lives only in the spool.</summary>
    public PointBatch? Message { get; }

    public bool Spooled { get; init; }
}
