using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TbBridge.Server.Web;

namespace TbBridge.Server.Tests.Web;

public sealed class PageConfigurationTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Build_NoArguments_PageOnLoopback5081BesideGrpc5080()
    {
        await using var app = TbBridgeServerApp.Build([]);
        var web = app.Services.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value.Web;
        Assert.True(web.Enabled);
        Assert.Equal("http://127.0.0.1:5081", web.Urls);
        Assert.Equal("http://127.0.0.1:5080", app.Configuration["urls"]);
    }

    [Fact]
    public async Task Start_UrlsAndWebUrls_BindsGrpcAndThePageEachOnItsPort()
    {
        await using var app = TbBridgeServerApp.Build(["--data-dir", _data.Path, "--urls", "http://127.0.0.1:0", "--web-urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default=Warning"]);
        await app.StartAsync();
        var web = Assert.Single(app.Services.GetRequiredService<WebEndpoints>().Urls);
        Assert.Equal(2, app.Urls.Count);
        Assert.Contains(web, app.Urls);
        await app.StopAsync();
    }

    [Fact]
    public async Task Start_KestrelEndpointsNamed_KeptAsKestrelsWithThePageBeside()
    {
        await using var app = TbBridgeServerApp.Build(
        [
            "--data-dir", _data.Path, "--web-urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default=Warning",
            "--Kestrel:Endpoints:grpc:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:grpc:Protocols=Http2",
        ]);
        await app.StartAsync();
        Assert.Equal(2, app.Urls.Count);
        Assert.Single(app.Services.GetRequiredService<WebEndpoints>().Urls);
        await app.StopAsync();
    }

    [Fact]
    public async Task Start_PageDisabled_OnlyTheGrpcUrlsAsBefore()
    {
        await using var app = TbBridgeServerApp.Build(["--data-dir", _data.Path, "--urls", "http://127.0.0.1:0", "--TbBridge:Web:Enabled=false", "--Serilog:MinimumLevel:Default=Warning"]);
        await app.StartAsync();
        Assert.Single(app.Urls);
        Assert.Null(app.Services.GetService<WebEndpoints>());
        await app.StopAsync();
    }

    [Fact]
    public async Task Start_InvalidWebSettings_FailsNamingEach()
    {
        await using var app = TbBridgeServerApp.Build(
        [
            "--data-dir", _data.Path, "--urls", "http://127.0.0.1:0",
            "--web-urls", "ftp://127.0.0.1:0",
            "--TbBridge:Web:PublicUrl=/relative",
            "--TbBridge:Web:CurvePoints=1",
        ]);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(error.Failures, f => f.Contains("TbBridge:Web:Urls", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("TbBridge:Web:PublicUrl", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("TbBridge:Web:CurvePoints", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Build_Webhook_LinksToThePublicUrl()
    {
        await using var app = TbBridgeServerApp.Build(["--data-dir", _data.Path, "--TbBridge:Webhooks:0:Url=http://127.0.0.1:9/hook", "--TbBridge:Web:PublicUrl=https://tb.example/team"]);
        var hook = Assert.Single(app.Services.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value.Webhooks);
        Assert.Equal(new Uri("https://tb.example/team/"), hook.PageUrl);
    }
}
