using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The real <c>tbbridge</c> against a service that wants keys: a refusal is exit 4 ("the service answered no"),
/// not 3 ("could not be reached"), in one line that says what to do.
/// </summary>
public sealed class CliRefusalTests : IDisposable
{
    private const string Key = "cli-refusal-key-0123456789";
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Alerts_NoKeyOrAnUnknownKey_ExitsFourSayingHowToPassOne()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path, "--TbBridge:Anonymous=None", "--TbBridge:ApiKeys:0:Name=team", $"--TbBridge:ApiKeys:0:Key={Key}", "--TbBridge:ApiKeys:0:Write:0=*");

        var none = await CliProcess.RunAsync("alerts", "--server", server.Address);
        var wrong = await CliProcess.RunAsync("alerts", "--server", server.Address, "--api-key", "not-the-key");
        var good = await CliProcess.RunAsync("alerts", "--server", server.Address, "--api-key", Key, "--json");

        foreach (var (exitCode, _, error) in new[] { none, wrong })
        {
            Assert.Equal(4, exitCode);
            string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("tbbridge alerts: ", line, StringComparison.Ordinal);
            Assert.Contains("refused the API key", line, StringComparison.Ordinal);
            Assert.Contains("--api-key", line, StringComparison.Ordinal);
        }

        Assert.Equal(0, good.ExitCode);
    }
}
