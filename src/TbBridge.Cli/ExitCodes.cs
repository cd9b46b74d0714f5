namespace TbBridge.Cli;

/// <summary>The command's exit codes (documented in README).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran, but some files were damaged (the damage is listed in the output).</summary>
    public const int ReadErrors = 1;

    /// <summary>Bad usage: a missing log directory, an unreadable config.</summary>
    public const int Usage = 2;

    /// <summary>The service did not answer, or answered that it is not serving.</summary>
    public const int Unhealthy = 3;

    /// <summary>The service answered no: a missing or unknown API key, a project the key may not write, a refused name.</summary>
    public const int Refused = 4;

    /// <summary><c>analyze --fail-on</c>: alerts of that severity or worse were found (for CI).</summary>
    public const int AlertsFound = 5;
}
