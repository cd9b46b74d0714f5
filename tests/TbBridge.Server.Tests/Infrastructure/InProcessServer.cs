using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>The real service on Kestrel, bound to a free loopback port, in this process.</summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private InProcessServer(WebApplication app, string dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Address = app.Urls.First();
        Channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { MaxSendMessageSize = null, MaxReceiveMessageSize = null });
    }

    public string DataDirectory { get; }

    public string Address { get; }

    /// <summary>The page's address (its own HTTP/1.1 endpoint).</summary>
    public string WebAddress => _app.Services.GetRequiredService<TbBridge.Server.Web.WebEndpoints>().Urls[0];

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => _app.Services;

    public IngestEngine Engine => _app.Services.GetRequiredService<IngestEngine>();

    public static Task<InProcessServer> StartAsync(string dataDirectory, params string[] settings) => StartAsync(dataDirectory, null, settings);

    /// <summary>Starts the service with <paramref name="configure"/> applied to its builder (fault injection).</summary>
    public static async Task<InProcessServer> StartAsync(string dataDirectory, Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--web-urls", "http://127.0.0.1:0",
            "--data-dir", dataDirectory,
            "--Serilog:MinimumLevel:Default=Warning",
            .. settings,
        ];
        var app = TbBridgeServerApp.Build(args, configure);
        await app.StartAsync();
        return new InProcessServer(app, dataDirectory);
    }

    /// <summary>Graceful stop: streams are ended, committed and closed.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }
}
