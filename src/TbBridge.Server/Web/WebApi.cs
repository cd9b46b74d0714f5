using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Runs;
using TbBridge.Server.Internal.Security;
using TbBridge.Server.Web.History;

namespace TbBridge.Server.Web;

/// <summary>
/// The page's JSON: <c>/api/runs</c>, <c>/api/run</c>, <c>/api/alerts</c>, <c>/api/me</c>. Each reads the run registry,
/// the alert hub and the curves, the same seams the gRPC API reads, and returns only what the caller may read: a run
/// of another project is 404, as one that does not exist.
/// </summary>
internal sealed class WebApi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IRunCatalog _runs;
    private readonly AlertHub _alerts;
    private readonly CurveHistory _curves;
    private readonly WebCallers _callers;
    private readonly TimeProvider _time;
    private readonly WebOptions _options;
    private static readonly TimeSpan SummaryAge = TimeSpan.FromMilliseconds(900);
    private readonly Lock _summaryGate = new();
    private (RunStatus Run, RunSummaryJson Summary)[]? _summaries;
    private long _summariesAt;

    public WebApi(IRunCatalog runs, AlertHub alerts, CurveHistory curves, WebCallers callers, TimeProvider time, IOptions<TbBridgeServerOptions> options)
    {
        _runs = runs;
        _alerts = alerts;
        _curves = curves;
        _callers = callers;
        _time = time;
        _options = options.Value.Web;
    }

    /// <summary>
    /// Every run's summary, made at most once a second and shared by every caller and event stream (each filters it):
    /// a hundred open pages cost what one does.
    /// </summary>
    private (RunStatus Run, RunSummaryJson Summary)[] Summaries()
    {
        lock (_summaryGate)
        {
            if (_summaries is null || _time.GetElapsedTime(_summariesAt) >= SummaryAge)
            {
                var now = _time.GetUtcNow();
                _summaries = [.. _runs.All().Select(r => (r, RunView.Summary(r, now, _curves)))];
                _summariesAt = _time.GetTimestamp();
            }

            return _summaries;
        }
    }

    public IReadOnlyList<RunSummaryJson> Runs(Caller caller, string? project, string? state)
    {
        return [.. Summaries()
            .Where(r => caller.CanRead(r.Run.Project) && (string.IsNullOrEmpty(project) || r.Run.Project == project))
            .Where(r => string.IsNullOrEmpty(state) || r.Summary.State == state || (state == "attention" && r.Summary.Attention))
            .OrderBy(r => RunView.Rank(r.Run)).ThenByDescending(r => r.Summary.LastPointAgeSeconds is null ? 0 : 1).ThenBy(r => r.Summary.LastPointAgeSeconds ?? double.MaxValue)
            .ThenBy(r => r.Run.Project, StringComparer.Ordinal).ThenBy(r => r.Run.Run, StringComparer.Ordinal)
            .Select(r => r.Summary)];
    }

    public IReadOnlyList<AlertJson> Alerts(Caller caller, string? project, string? run, string? kind, string? severity, int limit)
    {
        var query = Query(caller, project, run, kind, severity);
        var all = _alerts.List(query, 0, int.MaxValue);
        return [.. all.Skip(Math.Max(0, all.Count - limit)).Reverse().Select(RunView.Alert)];
    }

    public static AlertQuery Query(Caller caller, string? project, string? run, string? kind, string? severity)
    {
        AlertSeverity? min = severity switch { "critical" => AlertSeverity.Critical, "warning" => AlertSeverity.Warning, "info" => AlertSeverity.Info, _ => null };
        return new AlertQuery(
            string.IsNullOrEmpty(project) ? null : project,
            string.IsNullOrEmpty(run) ? null : run,
            string.IsNullOrEmpty(kind) ? new HashSet<string>() : new HashSet<string> { kind },
            min) { CanRead = caller.CanRead };
    }

    public async Task<object?> RunAsync(Caller caller, string project, string run, CancellationToken cancellationToken)
    {
        if (!caller.CanRead(project) || _runs.Find(project, run) is not { } status)
        {
            return null;
        }

        var alerts = _alerts.List(Query(caller, project, run, null, null), 0, int.MaxValue);
        var workers = new List<object>();
        foreach (string worker in status.Workers)
        {
            var history = await _curves.GetAsync(project, run, worker, cancellationToken).ConfigureAwait(false);
            workers.Add(new
            {
                name = worker,
                tensorBoard = TensorBoardLinks.TimeSeries(_options.TensorBoardUrl, project, run, worker, null),
                alertTexts = TensorBoardLinks.AlertTexts(_options.TensorBoardUrl, project, run, worker),
                curves = history.CopyCurves().Select(c => new
                {
                    tag = c.Tag,
                    role = c.Role.ToString(),
                    tensorBoard = TensorBoardLinks.TimeSeries(_options.TensorBoardUrl, project, run, worker, c.Tag),
                    points = c.Points.Select(p => new PointJson(p.Step, p.Value)),
                }),
            });
        }

        return new
        {
            summary = RunView.Summary(status, _time.GetUtcNow(), _curves),
            tensorBoard = TensorBoardLinks.TimeSeries(_options.TensorBoardUrl, project, run, null, null),
            workers,
            alerts = alerts.Reverse().Select(RunView.Alert),
        };
    }

    /// <summary>Maps the JSON; each request resolves the handler then, so mapping reads no options (they are validated at start).</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        static WebApi Of(HttpContext c) => c.RequestServices.GetRequiredService<WebApi>();
        app.MapGet("/api/me", (HttpContext context) => Of(context).With(context, caller => Results.Json(new { name = caller.Name, anonymous = caller.IsAnonymous }, Json)));
        app.MapGet("/api/runs", (HttpContext context, string? project, string? state) => Of(context).With(context, caller => Results.Json(Of(context).Runs(caller, project, state), Json)));
        app.MapGet("/api/alerts", (HttpContext context, string? project, string? run, string? kind, string? severity, int? limit) =>
            Of(context).With(context, caller => Results.Json(Of(context).Alerts(caller, project, run, kind, severity, Math.Clamp(limit ?? 200, 1, 1000)), Json)));
        app.MapGet("/api/run", (HttpContext context, string? project, string? run) => Of(context).RunResultAsync(context, project, run));
    }

    private async Task<IResult> RunResultAsync(HttpContext context, string? project, string? run)
    {
        if (_callers.Resolve(context, out string? problem) is not { } caller)
        {
            return Results.Json(new { error = problem }, Json, statusCode: StatusCodes.Status401Unauthorized);
        }

        var found = string.IsNullOrEmpty(project) || string.IsNullOrEmpty(run) ? null : await RunAsync(caller, project, run, context.RequestAborted).ConfigureAwait(false);
        return found is null ? Results.Json(new { error = "No such run." }, Json, statusCode: StatusCodes.Status404NotFound) : Results.Json(found, Json);
    }

    private IResult With(HttpContext context, Func<Caller, IResult> answer) =>
        _callers.Resolve(context, out string? problem) is { } caller ? answer(caller) : Results.Json(new { error = problem }, Json, statusCode: StatusCodes.Status401Unauthorized);
}
