namespace TbBridge.Server.Internal.Security;

/// <summary>Who is calling, and which projects they may write and read.</summary>
internal sealed class Caller
{
    private readonly IReadOnlySet<string> _write;
    private readonly IReadOnlySet<string> _read;

    public Caller(string name, IReadOnlySet<string> write, IReadOnlySet<string> read)
    {
        Name = name;
        _write = write;
        _read = read;
    }

    /// <summary>For logs and the rate limiter: the key's name, or <c>anonymous@address</c>.</summary>
    public string Name { get; }

    public bool CanWrite(string project) => _write.Contains("*") || _write.Contains(project);

    public bool CanRead(string project) => _read.Contains("*") || _read.Contains(project) || CanWrite(project);
}
