using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Security;

namespace TbBridge.Server.Web;

/// <summary>
/// <c>/api/events</c>: one Server-Sent Events stream per open page. <c>alert</c> events (id = the alert's id) as the hub
/// raises them, after those missed since <c>Last-Event-ID</c> when the browser reconnects; a <c>runs</c> event with
/// every readable run at once, then each second the runs that changed. What it holds is bounded: one alert
/// subscription (its queue capped as a gRPC watcher's) and one fingerprint per readable run. It ends after
/// <see cref="WebOptions.EventStreamLifetime"/>, and EventSource reconnects, so a page open for a day holds no more.
/// </summary>
internal sealed class EventStream
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private readonly WebApi _api;
    private readonly AlertHub _alerts;
    private readonly WebCallers _callers;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly WebOptions _options;
    private int _open;

    public EventStream(WebApi api, AlertHub alerts, WebCallers callers, IHostApplicationLifetime lifetime, TimeProvider time, IOptions<TbBridgeServerOptions> options)
    {
        _api = api;
        _alerts = alerts;
        _callers = callers;
        _lifetime = lifetime;
        _time = time;
        _options = options.Value.Web;
    }

    public int Open => Volatile.Read(ref _open);

    public async Task HandleAsync(HttpContext context)
    {
        if (_callers.Resolve(context, out string? problem) is not { } caller)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new { error = problem }, WebApi.Json).ConfigureAwait(false);
            return;
        }

        if (Interlocked.Increment(ref _open) > _options.MaxEventStreams)
        {
            Interlocked.Decrement(ref _open);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "10";
            return;
        }

        try
        {
            await StreamAsync(context, caller).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // The page went away mid-write.
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private async Task StreamAsync(HttpContext context, Caller caller)
    {
        var request = context.Request;
        string? project = request.Query["project"];
        string? run = request.Query["run"];
        var query = WebApi.Query(caller, project, run, null, null);
        using var subscription = _alerts.Subscribe(query, includeHistory: false);

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync("retry: 2000\n\n", context.RequestAborted).ConfigureAwait(false);

        long sent = 0;
        if (long.TryParse(request.Headers["Last-Event-ID"], out long lastSeen) && lastSeen > 0)
        {
            foreach (var alert in _alerts.List(query, lastSeen, 1000))
            {
                await WriteAsync(response, "alert", alert.Id, RunView.Alert(alert), context.RequestAborted).ConfigureAwait(false);
                sent = alert.Id;
            }
        }

        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _lifetime.ApplicationStopping);
        end.CancelAfter(_options.EventStreamLifetime);
        var fingerprints = new Dictionary<(string, string), string>();
        var quietSince = _time.GetTimestamp();
        bool first = true;
        while (!end.IsCancellationRequested)
        {
            var changed = new List<RunSummaryJson>();
            foreach (var summary in _api.Runs(caller, project, null))
            {
                if (!string.IsNullOrEmpty(run) && summary.Run != run)
                {
                    continue;
                }

                string print = $"{summary.State}|{summary.LastStep}|{summary.Points}|{summary.Alerts}|{summary.Workers.Length}|{summary.Loss.Length}|{summary.Loss.LastOrDefault()}";
                if (!fingerprints.TryGetValue((summary.Project, summary.Run), out string? before) || before != print)
                {
                    fingerprints[(summary.Project, summary.Run)] = print;
                    changed.Add(summary);
                }
            }

            if (first || changed.Count > 0)
            {
                await WriteAsync(response, first ? "runs" : "runs-changed", null, changed, end.Token).ConfigureAwait(false);
                first = false;
                quietSince = _time.GetTimestamp();
            }

            while (subscription.Alerts.TryRead(out var alert))
            {
                if (alert.Id > sent)
                {
                    await WriteAsync(response, "alert", alert.Id, RunView.Alert(alert), end.Token).ConfigureAwait(false);
                    sent = alert.Id;
                    quietSince = _time.GetTimestamp();
                }
            }

            if (_time.GetElapsedTime(quietSince) >= Heartbeat)
            {
                await response.WriteAsync(": keepalive\n\n", end.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(end.Token).ConfigureAwait(false);
                quietSince = _time.GetTimestamp();
            }

            // Wake for the next alert or the next tick, whichever is first.
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(end.Token);
            tick.CancelAfter(Tick);
            try
            {
                await subscription.Alerts.WaitToReadAsync(tick.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!end.IsCancellationRequested)
            {
            }
        }
    }

    private static async Task WriteAsync(HttpResponse response, string name, long? id, object data, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        if (id is { } i)
        {
            text.Append("id: ").Append(i).Append('\n');
        }

        text.Append("event: ").Append(name).Append('\n').Append("data: ").Append(JsonSerializer.Serialize(data, WebApi.Json)).Append("\n\n");
        await response.WriteAsync(text.ToString(), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
