using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TbBridge.Cli.Tests;

public class HealthCommandTests
{
    private static async Task<WebApplication> StartHealthServerAsync(HealthStatus status)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks().AddCheck("ingest", () => new HealthCheckResult(status));
        var app = builder.Build();
        app.MapGrpcHealthChecksService();
        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await TbBridgeCli.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Health_ServingServer_ExitsZero()
    {
        await using var app = await StartHealthServerAsync(HealthStatus.Healthy);

        var (exitCode, output, _) = await RunAsync("health", "--server", Address(app));

        Assert.Equal(0, exitCode);
        Assert.Contains("Serving", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_UnhealthyServer_ExitsThree()
    {
        await using var app = await StartHealthServerAsync(HealthStatus.Unhealthy);

        var (exitCode, output, _) = await RunAsync("health", "--server", Address(app));

        Assert.Equal(3, exitCode);
        Assert.Contains("NotServing", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_NothingListening_ExitsThreeWithReason()
    {
        string address;
        await using (var app = await StartHealthServerAsync(HealthStatus.Healthy))
        {
            address = Address(app);
            await app.StopAsync();
        }

        var (exitCode, _, error) = await RunAsync("health", "--server", address, "--timeout", "3");

        Assert.Equal(3, exitCode);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"tbbridge health: no TbBridge service answers at {address}", line, StringComparison.Ordinal);
        Assert.Contains("Connection refused", line, StringComparison.Ordinal); // the cause, not gRPC's wrapping of it
        Assert.Contains("--server", line, StringComparison.Ordinal);       // and what to do
    }

    [Fact]
    public async Task Health_NotAnAddress_ExitsTwoWithMessage()
    {
        var (exitCode, _, error) = await RunAsync("health", "--server", "gpu-box");

        Assert.Equal(2, exitCode);
        Assert.Contains("--server must be an http:// or https:// address", error, StringComparison.Ordinal);
    }
}
