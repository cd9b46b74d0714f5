using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Posts alerts to the configured webhooks: one <see cref="WebhookEndpoint"/> per webhook, each with its own bounded
/// outbox and delivery loop, so one bad endpoint holds up no other. Ingest only ever does a non-blocking offer. With
/// replicas, deliveries that a replica claimed and never finished (it died) are taken over by a live one
/// (<see cref="IWebhookDeliveries.TakeOverAbandoned"/>). Stopping drains what is queued for a few seconds.
/// </summary>
internal sealed class WebhookDispatcher : IAsyncDisposable
{
    private static readonly AlertQuery Everything = new(null, null, new HashSet<string>(), null);

    private readonly WebhookEndpoint[] _endpoints;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IWebhookDeliveries _deliveries;
    private readonly IAlertStore? _alerts;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _takeOver;

    /// <param name="options">The webhooks and each one's queue size.</param>
    /// <param name="time">Timeouts and backoff waits.</param>
    /// <param name="logger">Failures and drops.</param>
    /// <param name="deliveries">Who delivers each alert; default: this service, every alert (one service, no replicas).</param>
    /// <param name="alerts">Where an alert whose delivery is taken over is read from (replicas).</param>
    public WebhookDispatcher(IOptions<TbBridgeServerOptions> options, TimeProvider time, ILogger<WebhookDispatcher> logger, IWebhookDeliveries? deliveries = null, IAlertStore? alerts = null)
    {
        _deliveries = deliveries ?? Storage.LocalWebhookDeliveries.Instance;
        _alerts = alerts;
        _time = time;
        _logger = logger;
        // No redirects: a 3xx is the endpoint's answer, a failure (see WebhookEndpoint). No client-wide timeout: each attempt has its own.
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        _endpoints = [.. options.Value.Webhooks.Select(hook => new WebhookEndpoint(hook, options.Value.WebhookQueueCapacity, _http, time, logger, _deliveries, _stop.Token))];
        _takeOver = _endpoints.Length > 0 && _alerts is not null && _deliveries.TakeOverEvery is { } every
            ? Task.Run(() => TakeOverAsync(every), CancellationToken.None)
            : Task.CompletedTask;
    }

    /// <summary>Each webhook's outbox (tests, metrics).</summary>
    public IReadOnlyList<WebhookEndpoint> Endpoints => _endpoints;

    public void Enqueue(AlertRecord alert)
    {
        foreach (var endpoint in _endpoints)
        {
            if (alert.Severity >= endpoint.Hook.MinSeverity)
            {
                endpoint.Offer(new WebhookItem(alert, Claimed: false));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Outbox.Complete();
        }

        // Drain what is queued, but do not let a dead endpoint hold the shutdown for long.
        var loops = Task.WhenAll(_endpoints.Select(e => e.Loop));
        await Task.WhenAny(loops, Task.Delay(TimeSpan.FromSeconds(5), _time)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await loops.ConfigureAwait(false);
        await _takeOver.ConfigureAwait(false);
        _http.Dispose();
        _stop.Dispose();
    }

    /// <summary>Replicas: every so often, take over the deliveries of replicas that died holding them, and deliver each.</summary>
    private async Task TakeOverAsync(TimeSpan every)
    {
        var byUrl = _endpoints.GroupBy(e => e.Hook.Url?.ToString() ?? "").ToDictionary(g => g.Key, g => g.ToArray());
        string[] urls = [.. byUrl.Keys];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, _time, _stop.Token).ConfigureAwait(false);
                foreach (var (alertId, url, from) in _deliveries.TakeOverAbandoned(urls))
                {
                    var alert = _alerts!.Query(Everything, alertId - 1, alertId, 1) is [var found] ? found : null;
                    foreach (var endpoint in byUrl[url])
                    {
                        if (alert is null)
                        {
                            _deliveries.Finished(alertId, url, delivered: false); // the alert itself is gone: nothing to send
                            continue;
                        }

                        Log.WebhookTakenOver(_logger, endpoint.Hook.Url, alertId, from);
                        endpoint.Offer(new WebhookItem(alert, Claimed: true));
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.WebhookFailed(_logger, null, 0, "abandoned deliveries could not be taken over: " + ex.Message, ex);
            }
        }
    }
}
