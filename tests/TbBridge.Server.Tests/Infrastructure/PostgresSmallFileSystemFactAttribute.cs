namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A fact that needs a real PostgreSQL and a small filesystem that fills up (<see cref="SmallFileSystem"/>): it skips
/// where the filesystem cannot be mounted, as <see cref="SmallFileSystemFactAttribute"/> does, and (outside CI) where
/// PostgreSQL is missing, as <see cref="PostgresFactAttribute"/> does.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresSmallFileSystemFactAttribute : FactAttribute
{
    public PostgresSmallFileSystemFactAttribute()
    {
        Skip = SmallFileSystem.Unavailable ?? (Environment.GetEnvironmentVariable("CI") == "true" ? null : PostgresServer.SkipReason);
    }
}
