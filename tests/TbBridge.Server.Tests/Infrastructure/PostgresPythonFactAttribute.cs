namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A fact that runs samples/python-worker against a real PostgreSQL: it skips (outside CI) where either is missing,
/// as <see cref="PythonFactAttribute"/> and <see cref="PostgresFactAttribute"/> do, and never skips under CI.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresPythonFactAttribute : FactAttribute
{
    public PostgresPythonFactAttribute()
    {
        Skip = PythonWorker.SkipReason ?? (Environment.GetEnvironmentVariable("CI") == "true" ? null : PostgresServer.SkipReason);
    }
}
