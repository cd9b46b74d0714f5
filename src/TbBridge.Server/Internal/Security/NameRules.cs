using System.Globalization;

namespace TbBridge.Server.Internal.Security;

/// <summary>
/// What a project, run, worker, stream id and tag may look like. Projects, runs and workers become paths
/// under the data directory (and stream ids may become file names), so each of them, and each segment of a
/// run, is held to a name that is portable to every file system TensorBoard users copy runs to: 1 to N of
/// letters, digits, <c>.</c>, <c>_</c>, <c>-</c>, <c>=</c>, <c>+</c>, <c>,</c> and <c>@</c>; not starting with
/// <c>.</c> (no <c>.</c>/<c>..</c>, no hidden files) and not ending with <c>.</c>; not a Windows device name
/// (<c>CON</c>, <c>PRN</c>, <c>AUX</c>, <c>NUL</c>, <c>COM0</c>-<c>COM9</c>, <c>LPT0</c>-<c>LPT9</c>, in any case,
/// also with an extension such as <c>nul.txt</c>). A project is also never one of the service's own files in the
/// data directory (<c>tbbridge.db</c> and its <c>-wal</c>, <c>-shm</c> and <c>-journal</c>). A run is relative,
/// its segments separated by <c>/</c>. Tags are any text without control characters, line or paragraph separators or direction overrides, except
/// the service's own <c>tbbridge/</c> prefix and its look-alikes. Each check returns null when the name is fine, otherwise the reason, worded for the caller.
/// </summary>
internal static class NameRules
{
    /// <summary>The prefix of the service's own tags (<c>tbbridge/alerts</c>); a client may not write under it.</summary>
    public const string ReservedTagPrefix = "tbbridge/";

    /// <summary>Tags under <see cref="ReservedTagPrefix"/> that TbBridge's own client writes, so they stay allowed.</summary>
    private static readonly string[] s_clientTags = ["tbbridge/dropped_points"];

    /// <summary>The service's own files in the data directory, which no project may be named.</summary>
    private static readonly string[] s_serviceFiles = ["tbbridge.db", "tbbridge.db-wal", "tbbridge.db-shm", "tbbridge.db-journal"];

    private static readonly string[] s_deviceNames = ["CON", "PRN", "AUX", "NUL"];

    public const int MaxProjectLength = 100;
    public const int MaxRunLength = 256;
    public const int MaxSegmentLength = 100;
    public const int MaxWorkerLength = 64;
    public const int MaxStreamIdLength = 128;
    public const int MaxHostLength = 255;
    public const int MaxTagLength = 1024;

    public static string? CheckProject(string? project)
    {
        if (CheckSegment("project", project, MaxProjectLength) is { } problem)
        {
            return problem;
        }

        return s_serviceFiles.Contains(project, StringComparer.OrdinalIgnoreCase)
            ? $"project '{project}' is not allowed: it is the name of one of the service's own files in the data directory."
            : null;
    }

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

    public static string? CheckStreamId(string? streamId) => CheckSegment("stream_id", streamId, MaxStreamIdLength);

    public static string? CheckHost(string? host) => CheckText("host", host, MaxHostLength, required: false);

    public static string? CheckTag(string? tag) => CheckText("tag", tag, MaxTagLength, required: true);

    /// <summary>A tag a client may write: <see cref="CheckTag"/>, and not under the service's reserved prefix.</summary>
    public static string? CheckClientTag(string? tag)
    {
        if (CheckTag(tag) is { } problem)
        {
            return problem;
        }

        return LooksReserved(tag!) && !s_clientTags.Contains(tag, StringComparer.Ordinal)
            ? $"tag '{Printable(tag!)}' is under '{ReservedTagPrefix}', which the service reserves for its own tags."
            : null;
    }

    /// <summary>
    /// True for a tag under the reserved prefix or one a person would read as such: in any case, with leading
    /// whitespace or invisible characters, in compatibility forms (fullwidth letters, a fullwidth or division slash)
    /// or with common Cyrillic and Greek look-alike letters.
    /// </summary>
    private static bool LooksReserved(string tag)
    {
        var folded = new System.Text.StringBuilder(tag.Length);
        foreach (char c in tag.Normalize(System.Text.NormalizationForm.FormKC))
        {
            if (char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                continue;
            }

            folded.Append(c switch
            {
                'а' or 'А' or 'α' or 'Α' => 'a',
                'е' or 'Е' or 'ε' or 'Ε' => 'e',
                'і' or 'І' or 'ı' or 'ι' or 'Ι' or 'ӏ' => 'i',
                'о' or 'О' or 'ο' or 'Ο' => 'o',
                'р' or 'Р' or 'ρ' or 'Ρ' => 'p',
                'с' or 'С' => 'c',
                'г' => 'r',
                'Т' or 'τ' or 'Τ' => 't',
                'В' or 'β' or 'Β' => 'b',
                'ԁ' => 'd',
                'ɡ' => 'g',
                'ѕ' or 'Ѕ' => 's',
                '∕' or '⁄' or '⧸' => '/',
                _ => char.ToLowerInvariant(c),
            });
            if (folded.Length >= ReservedTagPrefix.Length)
            {
                break;
            }
        }

        return folded.ToString().StartsWith(ReservedTagPrefix, StringComparison.Ordinal);
    }

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

        if (value.StartsWith('.'))
        {
            return $"{what} '{value}' cannot start with '.'.";
        }

        if (value.EndsWith('.'))
        {
            return $"{what} '{value}' cannot end with '.'.";
        }

        return IsDeviceName(value) ? $"{what} '{value}' is a reserved device name on Windows." : null;
    }

    /// <summary>CON, PRN, AUX, NUL, COM0-9 and LPT0-9 in any case, alone or before an extension (<c>nul.txt</c>).</summary>
    private static bool IsDeviceName(string value)
    {
        int dot = value.IndexOf('.', StringComparison.Ordinal);
        var stem = dot < 0 ? value.AsSpan() : value.AsSpan(0, dot);
        if (stem.Length == 3)
        {
            foreach (string name in s_deviceNames)
            {
                if (stem.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return stem.Length == 4 && char.IsAsciiDigit(stem[3])
            && (stem[..3].Equals("COM", StringComparison.OrdinalIgnoreCase) || stem[..3].Equals("LPT", StringComparison.OrdinalIgnoreCase));
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
            if (IsLineBreaking(c))
            {
                return $"{what} '{Printable(value)}' contains a control, line or paragraph separator or direction-override character.";
            }
        }

        return null;
    }

    /// <summary>What could forge or garble a line of a log or a table: controls (U+0085 too), U+2028, U+2029, and bidi overrides and isolates.</summary>
    private static bool IsLineBreaking(char c) =>
        char.IsControl(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

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
                span[i] = IsLineBreaking(s[i]) ? '?' : s[i];
            }
        });
    }
}
