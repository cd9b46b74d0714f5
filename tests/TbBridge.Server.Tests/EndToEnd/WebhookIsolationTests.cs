using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TbBridge.Analysis;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// Issue 19, item 5: one bad webhook holds up no other. Real loopback endpoints that hang, answer slowly, redirect or
/// block, beside good ones; each test counts what every endpoint received.
/// </summary>
public sealed class WebhookIsolationTests : IAsyncLifetime, IDisposable
{
    private readonly TempFolder _data = new();
    private readonly CancellationTokenSource _release = new();
    private readonly ConcurrentQueue<(string Path, string Method, long Id, string? Key)> _calls = new();
    private WebApplication? _receiver;
    private int _gateHeld;

    private string HookBase => _receiver!.Urls.First();

    public async Task InitializeAsync()
    {
        var hooks = WebApplication.CreateBuilder();
        hooks.Logging.ClearProviders();
        hooks.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = hooks.Build();
        _receiver.Map("/{name}", async (string name, HttpRequest request) =>
        {
            long id = 0;
            if (request.ContentLength > 0)
            {
                using var body = await System.Text.Json.JsonDocument.ParseAsync(request.Body);
                id = body.RootElement.GetProperty("id").GetInt64();
            }

            _calls.Enqueue((name, request.Method, id, request.Headers[WebhookEndpoint.IdempotencyHeader].FirstOrDefault()));
            switch (name)
            {
                case "hang":
                case "gate" when Volatile.Read(ref _gateHeld) == 0 && Interlocked.Exchange(ref _gateHeld, 1) == 0:
                    await Task.Delay(Timeout.Infinite, _release.Token).ContinueWith(_ => { });
                    return Results.Ok();
                case "moved":
                    return Results.Redirect(HookBase + "/target");
                case "slow":
                case "patient":
                    // Slower than the short timeout, well within the long one.
                    await Task.Delay(TimeSpan.FromSeconds(2));
                    return Results.Ok();
                default:
                    return Results.Ok();
            }
        });
        await _receiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _release.CancelAsync();
        await _receiver!.DisposeAsync();
    }

    public void Dispose()
    {
        _release.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task Alerts_HangingEndpointBesideAGoodOne_GoodOneGetsEveryAlertOnce()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            $"--TbBridge:Webhooks:0:Url={HookBase}/hang",
            "--TbBridge:Webhooks:0:Timeout=00:00:01",
            $"--TbBridge:Webhooks:1:Url={HookBase}/good");
        var hub = server.Services.GetRequiredService<AlertHub>();
        var raised = Enumerable.Range(1, 50).Select(i => hub.Raise(Worker, Raised(AlertSeverity.Critical, i)).Id).ToArray();

        // Generous: the good endpoint answers at once, so this waits milliseconds; before each webhook had its own
        // queue, the hanging one held every alert behind it for attempts × timeout.
        await Eventually.HoldsAsync(() => Ids("good").Distinct().Count() == raised.Length, "the good endpoint has every alert", timeoutSeconds: 30);
        Assert.Equal(raised, Ids("good").Order());
        Assert.Contains(_calls, c => c.Path == "hang");
        var dispatcher = server.Services.GetRequiredService<WebhookDispatcher>();
        Assert.Equal(raised.Length, dispatcher.Endpoints[1].Delivered);
        Assert.Equal(0, dispatcher.Endpoints[0].Delivered);
    }

    [Fact]
    public async Task Alert_EndpointAnswers302_RedirectNotFollowedNotRetriedAndNotCountedDelivered()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            $"--TbBridge:Webhooks:0:Url={HookBase}/moved",
            "--TbBridge:Webhooks:0:InitialBackoff=00:00:00.050",
            $"--TbBridge:Webhooks:1:Url={HookBase}/good");
        var hub = server.Services.GetRequiredService<AlertHub>();
        long id = hub.Raise(Worker, Raised(AlertSeverity.Critical, 1)).Id;

        var moved = server.Services.GetRequiredService<WebhookDispatcher>().Endpoints[0];
        await Eventually.HoldsAsync(() => moved.Failed == 1, "the redirected delivery is given up", timeoutSeconds: 30);
        await Eventually.HoldsAsync(() => Ids("good").Count() == 1, "the good endpoint has the alert", timeoutSeconds: 30);
        Assert.Equal(0, moved.Delivered);
        Assert.Equal([("moved", "POST", id)], _calls.Where(c => c.Path != "good").Select(c => (c.Path, c.Method, c.Id))); // once, and nothing reached /target
    }

    [Fact]
    public async Task Alert_EndpointSlowerThanTheTimeout_EveryRetryCarriesTheAlertIdAsIdempotencyKey_ALongerTimeoutDeliversOnce()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            $"--TbBridge:Webhooks:0:Url={HookBase}/slow",
            "--TbBridge:Webhooks:0:Timeout=00:00:00.300",
            "--TbBridge:Webhooks:0:MaxAttempts=3",
            "--TbBridge:Webhooks:0:InitialBackoff=00:00:00.050",
            $"--TbBridge:Webhooks:1:Url={HookBase}/patient",
            "--TbBridge:Webhooks:1:Timeout=00:00:30");
        var hub = server.Services.GetRequiredService<AlertHub>();
        long id = hub.Raise(Worker, Raised(AlertSeverity.Critical, 1)).Id;

        var endpoints = server.Services.GetRequiredService<WebhookDispatcher>().Endpoints;
        await Eventually.HoldsAsync(() => endpoints[0].Failed == 1 && endpoints[1].Delivered == 1, "both deliveries end", timeoutSeconds: 60);
        var slow = _calls.Where(c => c.Path == "slow").ToArray();
        Assert.Equal(3, slow.Length); // every attempt timed out, each one a copy at the receiver...
        Assert.All(slow, c => Assert.Equal((id, id.ToString(System.Globalization.CultureInfo.InvariantCulture)), (c.Id, c.Key))); // ...which it can drop by key
        var patient = Assert.Single(_calls, c => c.Path == "patient");
        Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), patient.Key);
    }

    [Fact]
    public async Task Alerts_QueueFullBehindABlockedEndpoint_CriticalAlertsAreKeptAndTheDroppedWarningsCounted()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            "--TbBridge:WebhookQueueCapacity=4",
            $"--TbBridge:Webhooks:0:Url={HookBase}/gate",
            "--TbBridge:Webhooks:0:Timeout=00:01:00");
        var hub = server.Services.GetRequiredService<AlertHub>();
        long first = hub.Raise(Worker, Raised(AlertSeverity.Warning, 0)).Id;
        await Eventually.HoldsAsync(() => _calls.Count == 1, "the endpoint holds the first alert", timeoutSeconds: 30);

        // Nine more while it holds the first: three critical among six warnings, for a queue of four.
        var severities = new[] { AlertSeverity.Warning, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Warning, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Warning, AlertSeverity.Critical, AlertSeverity.Warning };
        var raised = severities.Select((s, i) => hub.Raise(Worker, Raised(s, i + 1))).ToArray();
        var endpoint = server.Services.GetRequiredService<WebhookDispatcher>().Endpoints[0];
        Assert.Equal(5, endpoint.Outbox.Dropped);

        await _release.CancelAsync();
        long[] kept = [first, .. raised.Where(a => a.Severity == AlertSeverity.Critical).Select(a => a.Id), raised[^1].Id];
        await Eventually.HoldsAsync(() => endpoint.Delivered == kept.Length, "the queue is delivered", timeoutSeconds: 30);
        Assert.Equal(kept.Order(), Ids("gate").Order()); // every critical alert, the newest warning, each once
    }

    private static StreamIdentity Worker => new("hooks", "r", "w", "h", "s");

    private IEnumerable<long> Ids(string path) => _calls.Where(c => c.Path == path).Select(c => c.Id);

    private static Alert Raised(AlertSeverity severity, long step) =>
        new("hooks/r", severity == AlertSeverity.Critical ? "nan_inf" : "loss_plateau", severity, step, "loss", ["loss"], "training", "m", "", new Dictionary<string, double>(), 1.0);
}
