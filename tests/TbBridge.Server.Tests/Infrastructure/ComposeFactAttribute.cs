namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>A fact that needs Docker Compose v2 (<see cref="ComposeCli"/>): outside CI it skips where there is none;
/// under CI (env <c>CI=true</c>) it always runs (the Debian 13 userland of eng/trixie-rootfs.sh installs it).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ComposeFactAttribute : FactAttribute
{
    public ComposeFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = ComposeCli.SkipReason;
        }
    }
}
