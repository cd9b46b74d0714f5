namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A fact that runs samples/python-worker. Outside CI it skips, saying why, where no python3 has grpc; under CI
/// (env <c>CI=true</c>) it never skips: it runs, and fails loudly if Python's gRPC is missing (the Debian 13
/// userland of eng/trixie-rootfs.sh installs it).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        Skip = PythonWorker.SkipReason;
    }
}
