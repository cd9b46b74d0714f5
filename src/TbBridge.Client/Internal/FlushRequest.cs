namespace TbBridge.Internal;

/// <summary>A flush marker's payload: completed when every point queued before it is durable in every sink.</summary>
internal sealed class FlushRequest
{
    /// <summary>The marker the flush timer queues: nobody waits on it.</summary>
    internal static readonly FlushRequest Periodic = new();

    internal TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
