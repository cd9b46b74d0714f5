using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TbBridge.Server.Tests.Configuration;

/// <summary>
/// A service that cannot start says why in one line on stderr and exits 1: a taken port, a value that does
/// not convert, a value the validator refuses. Each runs the real service as a process.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Start_PortTaken_SaysSoInOneLineAndExits1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, stderr) = await RunServerAsync("--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        string line = Assert.Single(stderr);
        Assert.Contains("address already in use", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_StateDatabaseIsNotADatabase_SaysSoInOneLineNamingItAndExits1()
    {
        string database = Path.Combine(_data.Path, "tbbridge.db");
        await File.WriteAllBytesAsync(database, Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7919 % 251)).ToArray());

        var (code, stderr) = await RunServerAsync("--urls", "http://127.0.0.1:0");

        Assert.Equal(1, code);
        string line = Assert.Single(stderr);
        Assert.Contains(database, line, StringComparison.Ordinal);
        Assert.Contains("is damaged", line, StringComparison.Ordinal);
        Assert.Contains("backup", line, StringComparison.Ordinal);
        Assert.Equal(100_000, new FileInfo(database).Length); // left as it was, for whoever restores or inspects it
    }

    [Fact]
    public async Task Start_PagePortTaken_SaysSoInOneLineNamingWebUrlsAndExits1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, stderr) = await RunServerAsync("--urls", "http://127.0.0.1:0", "--web-urls", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        string line = Assert.Single(stderr);
        Assert.Contains("address already in use", line, StringComparison.Ordinal);
        Assert.Contains("--web-urls", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--TbBridge:Anonymous=Bogus", "TbBridge:Anonymous")]
    [InlineData("--TbBridge:MaxPointsPerSecondPerClient=-5", "MaxPointsPerSecondPerClient cannot be negative")]
    public async Task Start_InvalidConfiguration_NamesTheSettingInOneLineAndExits1(string setting, string named)
    {
        var (code, stderr) = await RunServerAsync("--urls", "http://127.0.0.1:0", setting);

        Assert.Equal(1, code);
        string line = Assert.Single(stderr);
        Assert.StartsWith("tbbridge server: invalid configuration: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
    }

    private async Task<(int Code, List<string> Stderr)> RunServerAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(TbBridgeServerApp).Assembly.Location, "--web-urls", "http://127.0.0.1:0", "--data-dir", _data.Path, "--Serilog:MinimumLevel:Default=Warning" },
            WorkingDirectory = _data.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the service neither started nor failed: " + await stdout);
        }

        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return (process.ExitCode, lines);
    }
}
