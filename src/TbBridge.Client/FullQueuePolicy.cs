namespace TbBridge;

/// <summary>What an <c>Add*</c> call does when the writer's queue is full.</summary>
public enum FullQueuePolicy
{
    /// <summary>Block the caller until the background writer makes room: nothing is lost (the default).</summary>
    Wait = 0,

    /// <summary>
    /// Drop the new point and count it: the caller never waits. The running total is
    /// <see cref="SummaryWriter.DroppedPoints"/> and is itself logged as the scalar
    /// <c>tbbridge/dropped_points</c>.
    /// </summary>
    DropNewest = 1,
}
