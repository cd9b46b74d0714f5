using System.Globalization;

namespace TbBridge.Cli.Internal;

/// <summary>
/// Durations as people write them on a command line: a number with a unit (<c>500ms</c>, <c>1s</c>, <c>1.5s</c>,
/// <c>2m</c>, <c>1h</c>), a bare number of seconds (<c>5</c>), or .NET's <c>hh:mm:ss[.fff]</c> (<c>00:00:00.100</c>).
/// The one parser of every duration option of the CLI (<see cref="DurationOption"/>).
/// </summary>
internal static class Duration
{
    /// <summary>What a duration option's help says about the form.</summary>
    public const string Forms = "500ms, 1s, 2m or 1h; a bare number is seconds";

    private static readonly (string Suffix, double Seconds)[] s_units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        string value = (text ?? "").Trim();
        if (value.Length == 0)
        {
            return false;
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParseExact(value, "c", CultureInfo.InvariantCulture, out duration);
        }

        double scale = 1;
        foreach (var (suffix, seconds) in s_units)
        {
            if (value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                value = value[..^suffix.Length].TrimEnd();
                scale = seconds;
                break;
            }
        }

        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double number)
            || !double.IsFinite(number))
        {
            return false;
        }

        double totalSeconds = number * scale;
        if (Math.Abs(totalSeconds) > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)Math.Round(totalSeconds * TimeSpan.TicksPerSecond));
        return true;
    }
}
