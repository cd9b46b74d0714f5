namespace TbBridge.Remote.Internal;

/// <summary>
/// A pulse that any number of waiters can await: <see cref="Pulse"/> completes the current task and arms a
/// new one. Take <see cref="Next"/> before checking the condition it announces (under the same lock as the
/// change), so a pulse between the check and the wait is never missed.
/// </summary>
internal sealed class Signal
{
    private TaskCompletionSource _next = New();

    /// <summary>Completes at the next <see cref="Pulse"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
