namespace TbBridge.Server;

/// <summary>Whether a call without an API key is let in (with read and write access to every project).</summary>
internal enum AnonymousAccess
{
    /// <summary>Every call needs a key.</summary>
    None = 0,

    /// <summary>Calls from 127.0.0.0/8 or ::1 need none: the embedded default for one person's box.</summary>
    LoopbackOnly = 1,

    /// <summary>Anyone who can reach the port. Only behind a trusted network boundary.</summary>
    Any = 2,
}
