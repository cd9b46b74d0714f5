using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TbBridge.Analysis;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.Configuration;

public sealed class ServerConfigurationTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Build_NoArguments_ServesH2cOnLoopback5080WithDataInDotData()
    {
        await using var app = TbBridgeServerApp.Build([]);
        Assert.Equal("http://127.0.0.1:5080", app.Configuration["urls"]);
        Assert.Equal("Http2", app.Configuration["Kestrel:EndpointDefaults:Protocols"]);
        var options = app.Services.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value;
        Assert.Equal("data", options.DataDirectory);
        Assert.Equal(AnonymousAccess.LoopbackOnly, options.Anonymous);

        // Dead connections are found by HTTP/2 pings, so a worker's reconnect is not refused as a live stream for long.
        var kestrel = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value;
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15)), (kestrel.Limits.Http2.KeepAlivePingDelay, kestrel.Limits.Http2.KeepAlivePingTimeout));
    }

    [Fact]
    public async Task Build_DataDirAndUrlsSwitches_OverrideTheDefaults()
    {
        await using var app = TbBridgeServerApp.Build(["--data-dir", _data.Path, "--urls", "http://127.0.0.1:6001", "--TbBridge:Anonymous=None"]);
        Assert.Equal("http://127.0.0.1:6001", app.Configuration["urls"]);
        var options = app.Services.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value;
        Assert.Equal(_data.Path, options.DataDirectory);
        Assert.Equal(AnonymousAccess.None, options.Anonymous);
    }

    [Fact]
    public async Task Start_InvalidSection_FailsWithEveryProblemNamed()
    {
        await using var app = TbBridgeServerApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--web-urls", "http://127.0.0.1:0",
            "--data-dir", _data.Path,
            "--TbBridge:ApiKeys:0:Key=short",
            "--TbBridge:ApiKeys:0:Write:0=../etc",
            "--TbBridge:Webhooks:0:Url=ftp://example.invalid/hook",
        ]);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(error.Failures, f => f.Contains("ApiKeys:0:Key must be at least 16", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ApiKeys:0: project '../etc'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Webhooks:0:Url must be an absolute http or https URL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Build_WebhookMinSeverityByName_BindsTheEngineSeverity()
    {
        await using var app = TbBridgeServerApp.Build(["--data-dir", _data.Path, "--TbBridge:Webhooks:0:Url=http://127.0.0.1:9/hook", "--TbBridge:Webhooks:0:MinSeverity=critical"]);
        var options = app.Services.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value;
        Assert.Equal(AlertSeverity.Critical, Assert.Single(options.Webhooks).MinSeverity);
    }

    [Fact]
    public async Task Start_WebhookMinSeverityNumberOutOfRange_FailsNamingIt()
    {
        // 3 was "critical" in the service's own enum, which numbered from 1; the engine's numbers from 0.
        await using var app = TbBridgeServerApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--web-urls", "http://127.0.0.1:0",
            "--data-dir", _data.Path,
            "--TbBridge:Webhooks:0:Url=http://127.0.0.1:9/hook",
            "--TbBridge:Webhooks:0:MinSeverity=3",
        ]);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(error.Failures, f => f.Contains("Webhooks:0:MinSeverity must be Info, Warning or Critical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_StallFloorAboveCeilingFactorBelowOneAndNoGrace_FailsNamingEach()
    {
        await using var app = TbBridgeServerApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--web-urls", "http://127.0.0.1:0",
            "--data-dir", _data.Path,
            "--TbBridge:StallFloor=02:00:00",
            "--TbBridge:StallCeiling=01:00:00",
            "--TbBridge:StallFactor=0.5",
            "--TbBridge:DisconnectGrace=00:00:00",
        ]);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(error.Failures, f => f.Contains("StallFloor must be positive and at most TbBridge:StallCeiling", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("StallFactor must be at least 1", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("DisconnectGrace must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Build_NoLivenessSettings_DefaultsFloorTenMinutesCeilingOneHourGraceFiveMinutes()
    {
        await using var app = TbBridgeServerApp.Build(["--data-dir", _data.Path]);
        var options = app.Services.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value;
        Assert.Equal((5.0, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)), (options.StallFactor, options.StallFloor, options.StallCeiling, options.DisconnectGrace));
    }
}
