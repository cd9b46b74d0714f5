using System.CommandLine;

namespace TbBridge.Cli.Internal;

/// <summary>A positive duration option (<c>--poll 1s</c>, <c>--timeout 500ms</c>), read by <see cref="Duration"/>.</summary>
internal static class DurationOption
{
    public static Option<TimeSpan> Create(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = $"{description} ({Duration.Forms}).",
        HelpName = "duration",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Duration.TryParse(text, out var duration) && duration > TimeSpan.Zero)
            {
                return duration;
            }

            result.AddError($"{name} must be a positive duration ({Duration.Forms}), not '{text}'");
            return default;
        },
    };
}
