namespace TbBridge.Server.Internal.Security;

/// <summary>
/// What a project, run, worker, stream id and tag may look like. Projects, runs and workers become paths
/// under the data directory, so they are held to a portable file-name alphabet, with no <c>.</c>/<c>..</c>
/// segment, no absolute path and no separator other than <c>/</c> between a run's segments. Each check
/// returns null when the name is fine, otherwise the reason, worded for the caller.
/// </summary>
internal static class NameRules
{
    public const int MaxProjectLength = 100;
    public const int MaxRunLength = 256;
    public const int MaxSegmentLength = 100;
    public const int MaxWorkerLength = 64;
    public const int MaxStreamIdLength = 128;
    public const int MaxHostLength = 255;
    public const int MaxTagLength = 1024;

    public static string? CheckProject(string? project) => CheckSegment("project", project, MaxProjectLength);

    public static string? CheckRun(string? run)
    {
        if (string.IsNullOrEmpty(run))
        {
            return "run is required.";
        }

        if (run.Length > MaxRunLength)
        {
            return $"run is {run.Length} characters long; at most {MaxRunLength} are allowed.";
        }

        if (run.StartsWith('/'))
        {
            return "run must be relative: it cannot start with '/'.";
        }

        foreach (var segment in run.Split('/'))
        {
            if (CheckSegment("run segment", segment, MaxSegmentLength) is { } problem)
            {
                return $"run '{Printable(run)}' is not allowed: {problem}";
            }
        }

        return null;
    }

    public static string? CheckWorker(string? worker) => CheckSegment("worker", worker, MaxWorkerLength);

    public static string? CheckStreamId(string? streamId) => CheckText("stream_id", streamId, MaxStreamIdLength, required: true);

    public static string? CheckHost(string? host) => CheckText("host", host, MaxHostLength, required: false);

    public static string? CheckTag(string? tag) => CheckText("tag", tag, MaxTagLength, required: true);

    /// <summary>The host made safe for a file name: anything outside the segment alphabet becomes '_'.</summary>
    public static string FileSafeHost(string host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return "unknown";
        }

        var chars = host.Length > 64 ? host.AsSpan(0, 64).ToArray() : host.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!IsSegmentChar(chars[i]))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private static string? CheckSegment(string what, string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is required (an empty segment is not allowed).";
        }

        if (value.Length > maxLength)
        {
            return $"{what} is {value.Length} characters long; at most {maxLength} are allowed.";
        }

        if (value is "." or "..")
        {
            return $"{what} cannot be '.' or '..'.";
        }

        foreach (char c in value)
        {
            if (!IsSegmentChar(c))
            {
                return $"{what} '{Printable(value)}' contains '{Printable(c.ToString())}'; only letters, digits, '.', '_', '-', '=', '+', ',' and '@' are allowed.";
            }
        }

        return null;
    }

    private static string? CheckText(string what, string? value, int maxLength, bool required)
    {
        if (string.IsNullOrEmpty(value))
        {
            return required ? $"{what} is required." : null;
        }

        if (value.Length > maxLength)
        {
            return $"{what} is {value.Length} characters long; at most {maxLength} are allowed.";
        }

        foreach (char c in value)
        {
            if (char.IsControl(c))
            {
                return $"{what} '{Printable(value)}' contains a control character.";
            }
        }

        return null;
    }

    private static bool IsSegmentChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-' or '=' or '+' or ',' or '@';

    /// <summary>Quotes a caller's value in a message without echoing control characters or a huge string.</summary>
    private static string Printable(string value)
    {
        var shown = value.Length > 80 ? value[..80] + "…" : value;
        return string.Create(shown.Length, shown, (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }
}
