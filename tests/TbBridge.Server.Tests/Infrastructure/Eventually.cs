namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Waits for a condition another process brings about (a follower's points reaching the service), looking again
/// on each short poll; the deadline only turns a hang into a failure with a message, it measures nothing.
/// </summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, string what, int timeoutSeconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }
}
