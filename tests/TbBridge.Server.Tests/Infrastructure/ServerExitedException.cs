namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>A <see cref="ChildProcessServer"/> that ended before it served: its exit code and what it wrote to stderr.</summary>
internal sealed class ServerExitedException : Exception
{
    public ServerExitedException()
    {
    }

    public ServerExitedException(string message)
        : base(message)
    {
    }

    public ServerExitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ServerExitedException(int exitCode, IReadOnlyList<string> stderr)
        : base($"The server process exited with code {exitCode}: {string.Join(" | ", stderr)}")
    {
        ExitCode = exitCode;
        Stderr = stderr;
    }

    public int ExitCode { get; }

    public IReadOnlyList<string> Stderr { get; } = [];
}
