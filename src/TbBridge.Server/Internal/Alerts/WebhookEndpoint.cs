using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// One webhook: its own outbox and its own delivery loop, so an endpoint that hangs, answers slowly or fails holds up
/// no other. Each attempt has its own timeout (<see cref="WebhookOptions.Timeout"/>); a redirect is not followed (an
/// HTTP client turns a redirected POST into an empty GET) but counted a failure, not retried. Every attempt carries
/// the alert's id as <c>Idempotency-Key</c>, so a receiver drops the copy a retry after a timeout sends.
/// </summary>
internal sealed class WebhookEndpoint
{
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IWebhookDeliveries _deliveries;
    private readonly CancellationToken _stop;
    private readonly string _url;
    private long _delivered;
    private long _failed;

    public WebhookEndpoint(WebhookOptions hook, int capacity, HttpClient http, TimeProvider time, ILogger logger, IWebhookDeliveries deliveries, CancellationToken stop)
    {
        Hook = hook;
        Outbox = new WebhookOutbox(capacity);
        _http = http;
        _time = time;
        _logger = logger;
        _deliveries = deliveries;
        _stop = stop;
        _url = hook.Url?.ToString() ?? "";
        Loop = Task.Run(RunAsync, CancellationToken.None);
    }

    public WebhookOptions Hook { get; }

    public WebhookOutbox Outbox { get; }

    /// <summary>Alerts this endpoint answered 2xx for.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Alerts given up on (attempts spent, or a redirect).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Ends once the outbox is completed and drained, or at the stop.</summary>
    public Task Loop { get; }

    public void Offer(WebhookItem item)
    {
        if (Outbox.Offer(item) is { } dropped)
        {
            Log.WebhookAlertDropped(_logger, Hook.Url, Outbox.Capacity, dropped.Alert.Severity, dropped.Alert.Id, Outbox.Dropped);
            if (dropped.Claimed)
            {
                Finish(dropped.Alert.Id, delivered: false); // taken over, then dropped: recorded as not delivered, not left to look abandoned
            }
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (await Outbox.TakeAsync(_stop).ConfigureAwait(false) is { } item)
            {
                if (item.Claimed || Claim(item.Alert.Id))
                {
                    bool delivered = await DeliverAsync(item.Alert).ConfigureAwait(false);
                    Interlocked.Increment(ref delivered ? ref _delivered : ref _failed);
                    Finish(item.Alert.Id, delivered);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping: a delivery claimed and not finished stays open, for another replica to take over.
        }
    }

    /// <summary>Whether this service is the one to deliver; a claim the store cannot answer is taken (a second delivery beats none).</summary>
    private bool Claim(long alertId)
    {
        try
        {
            return _deliveries.TryClaim(alertId, _url);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.WebhookFailed(_logger, Hook.Url, 0, "the delivery could not be claimed: " + ex.Message, ex);
            return true;
        }
    }

    private void Finish(long alertId, bool delivered)
    {
        try
        {
            _deliveries.Finished(alertId, _url, delivered);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.WebhookFailed(_logger, Hook.Url, 0, "the delivery's end could not be recorded: " + ex.Message, ex);
        }
    }

    private async Task<bool> DeliverAsync(AlertRecord alert)
    {
        byte[] body = WebhookPayload.Create(Hook, alert);
        string key = alert.Id.ToString(CultureInfo.InvariantCulture);
        var delay = Hook.InitialBackoff;
        for (int attempt = 1; ; attempt++)
        {
            bool retry = true;
            using (var timeout = new CancellationTokenSource(Hook.Timeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop, timeout.Token))
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, Hook.Url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.TryAddWithoutValidation(IdempotencyHeader, key);
                    // Headers only: a receiver's body is not ours to read into memory.
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                    int status = (int)response.StatusCode;
                    if (status is >= 200 and < 300)
                    {
                        return true;
                    }

                    if (status is >= 300 and < 400)
                    {
                        // Following it would turn the POST into an empty GET; asking again gets the same redirect.
                        retry = false;
                        Log.WebhookFailed(_logger, Hook.Url, attempt, $"HTTP {status} redirect to '{response.Headers.Location}', not followed: set the webhook's Url to where it points", null);
                    }
                    else
                    {
                        Log.WebhookFailed(_logger, Hook.Url, attempt, $"HTTP {status}", null);
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    Log.WebhookFailed(_logger, Hook.Url, attempt, $"no answer within {Hook.Timeout} (TbBridge:Webhooks:N:Timeout)", null);
                }
                catch (HttpRequestException ex)
                {
                    Log.WebhookFailed(_logger, Hook.Url, attempt, ex.Message, ex);
                }
            }

            if (!retry || attempt >= Hook.MaxAttempts)
            {
                Log.WebhookGaveUp(_logger, Hook.Url, alert.Id, attempt);
                return false;
            }

            // Full jitter keeps many services from retrying a recovering endpoint in lockstep.
            var wait = TimeSpan.FromMilliseconds(delay.TotalMilliseconds * (0.5 + (Random.Shared.NextDouble() / 2)));
            await Task.Delay(wait, _time, _stop).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Hook.MaxBackoff.Ticks));
        }
    }
}
