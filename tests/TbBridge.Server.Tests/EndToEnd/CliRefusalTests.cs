using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The real <c>tbbridge</c> against a service that wants keys, or none at all: a refusal is exit 4 ("the service
/// answered no"), not 3 ("could not be reached"), in one line that says what to do; upload stops after a refusal
/// or an absent service that every other file would meet too, and lists the damage it read past.
/// </summary>
public sealed class CliRefusalTests : IDisposable
{
    private const string Key = "cli-refusal-key-0123456789";
    private readonly TempFolder _data = new();
    private readonly TempFolder _logs = new();

    public void Dispose()
    {
        _data.Dispose();
        _logs.Dispose();
    }

    [Fact]
    public async Task Upload_KeyWithoutRightToTheProject_ExitsFourOnceAndTriesNoOtherFile()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path, "--TbBridge:Anonymous=None", "--TbBridge:ApiKeys:0:Name=team", $"--TbBridge:ApiKeys:0:Key={Key}", "--TbBridge:ApiKeys:0:Write:0=vision");
        WriteRuns(3);

        var (exitCode, output, error) = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "speech", "--api-key", Key);

        Assert.Equal(4, exitCode);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tbbridge upload: ", line, StringComparison.Ordinal);
        Assert.Contains("no right to that project", line, StringComparison.Ordinal);
        Assert.Contains("1 of 1 files failed, 2 not tried", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_data.Path, "speech")));
    }

    [Fact]
    public async Task Upload_NoServiceListening_ExitsThreeInOneLineAfterTheFirstFile()
    {
        WriteRuns(2);
        int port = ChildProcessServer.FreePort();

        var (exitCode, output, error) = await CliProcess.RunAsync("upload", _logs.Path, "--server", $"http://127.0.0.1:{port}");

        Assert.Equal(3, exitCode);
        Assert.StartsWith("tbbridge upload: no TbBridge service answers at", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Contains("1 not tried", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_DamagedFile_ListsTheDamageSkipsItAndExitsOne()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        WriteRuns(1);
        string file = Directory.GetFiles(_logs.Path, "*tfevents*", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0xFF; // one record's CRC no longer matches
        File.WriteAllBytes(file, bytes);

        var (exitCode, output, _) = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "dmg");

        Assert.Equal(1, exitCode);
        Assert.Contains("read errors", output, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(file), output, StringComparison.Ordinal);
        Assert.Contains("1 damaged records skipped", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_EmptyLogDirectory_SaysSoAndExitsTwo()
    {
        var (exitCode, _, error) = await CliProcess.RunAsync("upload", _logs.Path, "--server", "http://127.0.0.1:1");

        Assert.Equal(2, exitCode);
        Assert.Contains("no runs under", error, StringComparison.Ordinal);
    }

    private void WriteRuns(int count)
    {
        for (int r = 0; r < count; r++)
        {
            using var writer = new SummaryWriter(Path.Combine(_logs.Path, $"run{r}"));
            for (int step = 0; step < 100; step++)
            {
                writer.AddScalar("train/loss", 1.0 / (1 + step), step);
            }
        }
    }

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
