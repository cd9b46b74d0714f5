using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Runs;
using TbBridge.Server.Internal.Security;
using TbBridge.Server.Mapping;

namespace TbBridge.Server.Services;

/// <summary>Alerts and runs at the edge: authenticate, check read access, map, delegate to the hub and registry.</summary>
internal sealed class AlertGrpcService : AlertService.AlertServiceBase
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    /// <summary>Past alerts read from the store at once for a watcher's history: one page in memory per watcher.</summary>
    private const int HistoryPageSize = 500;
    private readonly AlertHub _hub;
    private readonly HistoryReadLimiter _historyReads;
    private readonly IRunCatalog _runs;
    private readonly CallerAuthenticator _authenticator;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public AlertGrpcService(AlertHub hub, IRunCatalog runs, CallerAuthenticator authenticator, HistoryReadLimiter historyReads, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<AlertGrpcService> logger)
    {
        _hub = hub;
        _historyReads = historyReads;
        _runs = runs;
        _authenticator = authenticator;
        _lifetime = lifetime;
        _time = time;
        _logger = logger;
    }

    public override async Task Watch(WatchAlertsRequest request, IServerStreamWriter<Alert> responseStream, ServerCallContext context)
    {
        var caller = context.Authenticate(_authenticator, _logger);
        CheckReadable(caller, request.Filter?.Project);
        IDisposable? historyRead = null;
        if (!request.NewOnly)
        {
            (historyRead, string? problem) = _historyReads.TryEnter(caller);
            if (problem is not null)
            {
                throw Refuse(caller, StatusCode.ResourceExhausted, problem);
            }
        }

        using var reading = historyRead;
        using var subscription = _hub.Subscribe(AlertMapping.ToQuery(request.Filter, caller.CanRead), includeHistory: !request.NewOnly);
        // The subscribed signal: response headers go out once the watcher is registered and its watermark taken, so
        // a client that awaits them (C#: ResponseHeadersAsync; Python: initial_metadata()) knows that every alert
        // raised from then on reaches it.
        await context.WriteResponseHeadersAsync(new Metadata()).ConfigureAwait(false);
        long sent = 0;
        if (!request.NewOnly)
        {
            // Page by page: one page in memory, each written (and waited on, when the watcher reads slowly) before the next is read.
            foreach (var page in _hub.History(subscription, HistoryPageSize))
            {
                foreach (var alert in page)
                {
                    await responseStream.WriteAsync(AlertMapping.ToProto(alert)).ConfigureAwait(false);
                }

                sent += page.Count;
            }

            historyRead?.Dispose(); // caught up: live alerts do not count against the key's history reads
        }

        Log.WatchStarted(_logger, caller.Name, sent);

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime.ApplicationStopping);
        try
        {
            await foreach (var alert in subscription.Alerts.ReadAllAsync(linked.Token).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(AlertMapping.ToProto(alert)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The watcher left, or the service is stopping: either way the stream just ends.
        }
        finally
        {
            if (subscription.Dropped > 0)
            {
                Log.WatcherDropped(_logger, caller.Name, subscription.Dropped);
            }
        }
    }

    public override Task<ListAlertsResponse> List(ListAlertsRequest request, ServerCallContext context)
    {
        var caller = context.Authenticate(_authenticator, _logger);
        CheckReadable(caller, request.Filter?.Project);
        if (request.PageSize < 0 || request.PageSize > MaxPageSize)
        {
            throw Refuse(caller, StatusCode.InvalidArgument, $"page_size must be between 0 and {MaxPageSize}.");
        }

        long afterId = AlertMapping.FromPageToken(request.PageToken)
            ?? throw Refuse(caller, StatusCode.InvalidArgument, "page_token was not issued by this service.");
        int pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var alerts = _hub.List(AlertMapping.ToQuery(request.Filter, caller.CanRead), afterId, pageSize + 1);
        var response = new ListAlertsResponse();
        response.Alerts.Add(alerts.Take(pageSize).Select(AlertMapping.ToProto));
        if (alerts.Count > pageSize)
        {
            response.NextPageToken = AlertMapping.ToPageToken(alerts[pageSize - 1].Id);
        }

        return Task.FromResult(response);
    }

    public override Task<ListRunsResponse> ListRuns(ListRunsRequest request, ServerCallContext context)
    {
        var caller = context.Authenticate(_authenticator, _logger);
        CheckReadable(caller, request.Project);
        if (request.PageSize < 0 || request.PageSize > MaxPageSize)
        {
            throw Refuse(caller, StatusCode.InvalidArgument, $"page_size must be between 0 and {MaxPageSize}.");
        }

        var (afterProject, afterRun) = AlertMapping.FromRunPageToken(request.PageToken)
            ?? throw Refuse(caller, StatusCode.InvalidArgument, "page_token was not issued by this service.");
        int pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;

        // (project, run) in ordinal order: a page starts after the last run of the one before, so a run that appears
        // meanwhile is listed once, on the page its name falls on, and none is listed twice.
        var page = _runs.All()
            .Where(r => caller.CanRead(r.Project) && (string.IsNullOrEmpty(request.Project) || r.Project == request.Project))
            .Where(r => afterProject is null || CompareRuns(r.Project, r.Run, afterProject, afterRun!) > 0)
            .OrderBy(r => r.Project, StringComparer.Ordinal).ThenBy(r => r.Run, StringComparer.Ordinal)
            .Take(pageSize + 1)
            .ToArray();
        var response = new ListRunsResponse();
        response.Runs.Add(page.Take(pageSize).Select(r => AlertMapping.ToSummary(r, _time.GetUtcNow())));
        if (page.Length > pageSize)
        {
            response.NextPageToken = AlertMapping.ToRunPageToken(page[pageSize - 1].Project, page[pageSize - 1].Run);
        }

        return Task.FromResult(response);
    }

    public override Task<RunDetails> GetRun(GetRunRequest request, ServerCallContext context)
    {
        var caller = context.Authenticate(_authenticator, _logger);
        if ((NameRules.CheckProject(request.Project) ?? NameRules.CheckRun(request.Run)) is { } problem)
        {
            throw Refuse(caller, StatusCode.InvalidArgument, problem);
        }

        CheckReadable(caller, request.Project);
        var run = _runs.Find(request.Project, request.Run)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No run {request.Project}/{request.Run}."));
        return Task.FromResult(AlertMapping.ToDetails(run, _time.GetUtcNow()));
    }

    private static int CompareRuns(string project, string run, string otherProject, string otherRun)
    {
        int byProject = string.CompareOrdinal(project, otherProject);
        return byProject != 0 ? byProject : string.CompareOrdinal(run, otherRun);
    }

    private void CheckReadable(Caller caller, string? project)
    {
        if (!string.IsNullOrEmpty(project) && !caller.CanRead(project))
        {
            throw Refuse(caller, StatusCode.PermissionDenied, $"'{caller.Name}' may not read project '{project}'.");
        }
    }

    private RpcException Refuse(Caller caller, StatusCode code, string message) =>
        CallContextExtensions.Refuse(_logger, caller.Name, "", code, message);
}
