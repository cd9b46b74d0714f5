namespace TbBridge.Server.Internal.Security;

/// <summary>Who is calling, and which projects they may write and read.</summary>
internal sealed class Caller
{
    private readonly IReadOnlySet<string> _write;
    private readonly IReadOnlySet<string> _read;

    public Caller(string name, IReadOnlySet<string> write, IReadOnlySet<string> read, bool isAnonymous = false)
    {
        Name = name;
        _write = write;
        _read = read;
        IsAnonymous = isAnonymous;
    }

    /// <summary>For logs, the rate limiter and the call limits: the key's name, or <c>anonymous@address</c>.</summary>
    public string Name { get; }

    /// <summary>True for a call without a key, let in by <see cref="AnonymousAccess"/>; its limits are per remote address.</summary>
    public bool IsAnonymous { get; }

    public bool CanWrite(string project) => _write.Contains("*") || _write.Contains(project);

    public bool CanRead(string project) => _read.Contains("*") || _read.Contains(project) || CanWrite(project);
}
