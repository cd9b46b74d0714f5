namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A fact that needs a real PostgreSQL (<see cref="PostgresServer"/>). Outside CI it skips, saying why, where there is
/// none; under CI (env <c>CI=true</c>) it never skips: it runs, and fails loudly if PostgreSQL is missing (the Debian
/// 13 userland of eng/trixie-rootfs.sh installs it).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = PostgresServer.SkipReason;
        }
    }
}
