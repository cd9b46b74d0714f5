using TbBridge.Cli;
using TbBridge.Cli.Internal;

namespace TbBridge.Cli.Tests;

public class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("1s", 1000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("2", 2000)]          // a bare number is seconds, not days
    [InlineData("0.1", 100)]
    [InlineData(" 250 ms ", 250)]
    [InlineData("5S", 5000)]
    [InlineData("00:00:00.100", 100)] // .NET's own form still reads
    [InlineData("00:01:00", 60_000)]
    public void TryParse_AsPeopleWriteIt_ReadsTheDuration(string text, double milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("1d")]
    [InlineData("1 second")]
    [InlineData("1,5s")]
    [InlineData("NaN")]
    [InlineData("1e300h")]
    [InlineData("2:x")]
    public void TryParse_NotADuration_IsFalse(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData("upload", "--poll", "1s", 1000)]
    [InlineData("upload", "--poll", "500ms", 500)]
    [InlineData("upload", "--poll", "2", 2000)]
    [InlineData("health", "--timeout", "5s", 5000)]
    [InlineData("health", "--timeout", "2m", 120_000)]
    [InlineData("health", "--timeout", "3", 3000)]
    public void DurationOptions_AsTheReadmeWritesThem_AreAccepted(string command, string option, string value, double milliseconds)
    {
        string[] args = command == "upload" ? ["upload", "logs", "--follow", option, value] : [command, option, value];
        var parse = TbBridgeCli.Parse(args, new CliContext(TextWriter.Null, TextWriter.Null));

        Assert.Empty(parse.Errors);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), parse.GetValue<TimeSpan>(option));
    }

    [Theory]
    [InlineData("upload", "--poll", "0s")]
    [InlineData("upload", "--poll", "-1s")]
    [InlineData("upload", "--poll", "soon")]
    [InlineData("health", "--timeout", "5 seconds")]
    public async Task DurationOptions_NotAPositiveDuration_ExitTwoNamingTheForms(string command, string option, string value)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = command == "upload" ? ["upload", "logs", "--follow", option, value] : [command, option, value];

        int exitCode = await TbBridgeCli.RunAsync(args, output, error);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{option} must be a positive duration (500ms, 1s, 2m or 1h; a bare number is seconds), not '{value}'", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("upload", "--poll")]
    [InlineData("health", "--timeout")]
    public async Task Help_DurationOption_StatesTheBareNumbersUnit(string command, string option)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        await TbBridgeCli.RunAsync([command, "--help"], output, error);

        string line = Assert.Single(output.ToString().Split('\n'), l => l.Contains(option, StringComparison.Ordinal));
        Assert.Contains("a bare number is seconds", line, StringComparison.Ordinal);
    }
}
