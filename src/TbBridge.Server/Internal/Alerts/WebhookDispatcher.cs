using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Posts alerts to the configured webhooks from one background loop: a bounded queue (the oldest alert is
/// dropped when full, and the drop logged), retries with exponential backoff per delivery, and a drain on
/// stop. Ingest only ever does a non-blocking enqueue.
/// </summary>
internal sealed class WebhookDispatcher : IAsyncDisposable
{
    private readonly IReadOnlyList<WebhookOptions> _hooks;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IWebhookDeliveries _deliveries;
    private readonly Channel<AlertRecord> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="options">The webhooks and the queue's size.</param>
    /// <param name="time">Backoff waits.</param>
    /// <param name="logger">Failures and drops.</param>
    /// <param name="deliveries">Who delivers each alert; default: this service, every alert (one service, no replicas).</param>
    public WebhookDispatcher(IOptions<TbBridgeServerOptions> options, TimeProvider time, ILogger<WebhookDispatcher> logger, IWebhookDeliveries? deliveries = null)
    {
        _deliveries = deliveries ?? Storage.LocalWebhookDeliveries.Instance;
        _hooks = options.Value.Webhooks;
        _time = time;
        _logger = logger;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        _queue = Channel.CreateBounded<AlertRecord>(
            new BoundedChannelOptions(options.Value.WebhookQueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => Log.WebhookAlertDropped(_logger, dropped.Id));
        _loop = _hooks.Count == 0 ? Task.CompletedTask : Task.Run(RunAsync);
    }

    public void Enqueue(AlertRecord alert)
    {
        if (_hooks.Count > 0)
        {
            _queue.Writer.TryWrite(alert);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        // Drain what is queued, but do not let a dead endpoint hold the shutdown for long.
        await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(5), _time)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var alert in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                foreach (var hook in _hooks)
                {
                    if (alert.Severity >= hook.MinSeverity && Claim(alert.Id, hook.Url))
                    {
                        bool delivered = await DeliverAsync(hook, alert).ConfigureAwait(false);
                        Finish(alert.Id, hook.Url, delivered);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Whether this service is the one to deliver; a claim the store cannot answer is taken (a second delivery beats none).</summary>
    private bool Claim(long alertId, Uri? url)
    {
        try
        {
            return _deliveries.TryClaim(alertId, url?.ToString() ?? "");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.WebhookFailed(_logger, url, 0, "the delivery could not be claimed: " + ex.Message, ex);
            return true;
        }
    }

    private void Finish(long alertId, Uri? url, bool delivered)
    {
        try
        {
            _deliveries.Finished(alertId, url?.ToString() ?? "", delivered);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.WebhookFailed(_logger, url, 0, "the delivery's end could not be recorded: " + ex.Message, ex);
        }
    }

    private async Task<bool> DeliverAsync(WebhookOptions hook, AlertRecord alert)
    {
        byte[] body = WebhookPayload.Create(hook, alert);
        var delay = hook.InitialBackoff;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _http.PostAsync(hook.Url, content, _stop.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }

                Log.WebhookFailed(_logger, hook.Url, attempt, $"HTTP {(int)response.StatusCode}", null);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Log.WebhookFailed(_logger, hook.Url, attempt, ex.Message, ex);
            }

            if (attempt >= hook.MaxAttempts)
            {
                Log.WebhookGaveUp(_logger, hook.Url, alert.Id, attempt);
                return false;
            }

            // Full jitter keeps many services from retrying a recovering endpoint in lockstep.
            var wait = TimeSpan.FromMilliseconds(delay.TotalMilliseconds * (0.5 + (Random.Shared.NextDouble() / 2)));
            await Task.Delay(wait, _time, _stop.Token).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, hook.MaxBackoff.Ticks));
        }
    }
}
