using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TbBridge.Events;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Storage;

namespace TbBridge.Server.Web.History;

/// <summary>
/// The curves the page draws: per worker of a run, a bounded series per recognised tag (<see cref="WorkerCurves"/>).
/// Live points come from ingest's stream observer; what came before (a run the service held before it started, or
/// points from before the page first asked) is read once from the worker's own event files, the service's copy, the
/// first time a page needs that worker, and merged with what arrived meanwhile. Nothing is written: a restart
/// rebuilds from the files.
/// </summary>
internal sealed class CurveHistory : IStreamObserver
{
    private readonly ConcurrentDictionary<(string Project, string Run, string Worker), WorkerCurves> _workers = new();
    private readonly WebOptions _options;
    private readonly string _dataDirectory;
    private readonly ILogger _logger;

    /// <summary>Workers whose files are read at once: a runs list after a restart asks for every worker.</summary>
    private readonly SemaphoreSlim _reading = new(2);

    // The options' directory, not the data-directory lock's: replicas on PostgreSQL share the directory and take no lock.
    public CurveHistory(IOptions<TbBridgeServerOptions> options, ILogger<CurveHistory> logger)
        : this(options.Value.Web, Path.GetFullPath(options.Value.DataDirectory), logger)
    {
    }

    public CurveHistory(WebOptions options, string dataDirectory, ILogger logger)
    {
        _options = options;
        _dataDirectory = dataDirectory;
        _logger = logger;
    }

    public int Workers => _workers.Count;

    /// <summary>What every curve holds, roughly, in bytes.</summary>
    public long Bytes => _workers.Values.Sum(w => w.Bytes + 128);

    /// <summary>
    /// A worker with no event file yet when its stream opens (a new worker) has nothing to read back: every point it
    /// sends reaches this history live, so its files are never read for the page.
    /// </summary>
    public void Opened(StreamSession session)
    {
        var identity = session.Identity;
        var curves = Of(identity.Project, identity.Run, identity.Worker);
        if (curves.Loaded is null && !HasFiles(WorkerDirectory(identity.Project, identity.Run, identity.Worker)))
        {
            lock (curves)
            {
                curves.Loaded ??= Task.CompletedTask;
            }
        }
    }

    private string WorkerDirectory(string project, string run, string worker) => Path.Combine(_dataDirectory, project, Path.Combine(run.Split('/')), worker);

    private static bool HasFiles(string directory) => Directory.Exists(directory) && Directory.EnumerateFiles(directory, "*tfevents*").Any();

    public void Received(StreamSession session, IngestBatch batch)
    {
        var identity = session.Identity;
        var curves = Of(identity.Project, identity.Run, identity.Worker);
        var tags = batch.Tags;
        var scalars = batch.Scalars;
        var roles = new Analysis.SignalRole?[tags.Length];
        var known = new bool[tags.Length];
        for (int i = 0; i < scalars.Count; i++)
        {
            int t = scalars.TagIndex[i];
            if (!known[t])
            {
                roles[t] = curves.RoleOf(tags[t]);
                known[t] = true;
            }

            if (roles[t] is { } role)
            {
                curves.Add(tags[t], role, scalars.Steps[i], scalars.Values[i]);
            }
        }
    }

    public void Closed(StreamSession session, StreamEnd end)
    {
    }

    /// <summary>A worker's curves, read from its files first if this is the first time they are asked for.</summary>
    public async Task<WorkerCurves> GetAsync(string project, string run, string worker, CancellationToken cancellationToken)
    {
        var curves = Of(project, run, worker);
        var loaded = curves.Loaded;
        if (loaded is null)
        {
            lock (curves)
            {
                loaded = curves.Loaded ??= Task.Run(
                    async () =>
                    {
                        await _reading.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                        try
                        {
                            Load(project, run, worker, curves);
                        }
                        finally
                        {
                            _reading.Release();
                        }
                    },
                    CancellationToken.None);
            }
        }

        await loaded.WaitAsync(cancellationToken).ConfigureAwait(false);
        return curves;
    }

    /// <summary>A worker's curves as they are now, without reading files (for the runs list's small curve).</summary>
    public WorkerCurves? Peek(string project, string run, string worker) => _workers.TryGetValue((project, run, worker), out var curves) ? curves : null;

    /// <summary>Starts reading a worker's files in the background if nobody has (the runs list after a restart).</summary>
    public void Warm(string project, string run, string worker) => _ = GetAsync(project, run, worker, CancellationToken.None);

    /// <summary>Records one point (the memory measurement and unit tests).</summary>
    public void Add(string project, string run, string worker, string tag, long step, double value)
    {
        var curves = Of(project, run, worker);
        if (curves.RoleOf(tag) is { } role)
        {
            curves.Add(tag, role, step, value);
        }
    }

    private WorkerCurves Of(string project, string run, string worker) =>
        _workers.GetOrAdd((project, run, worker), static (_, o) => new WorkerCurves(o.CurvePoints, o.CurvesPerWorker), _options);

    private void Load(string project, string run, string worker, WorkerCurves curves)
    {
        string directory = WorkerDirectory(project, run, worker);
        if (!Directory.Exists(directory))
        {
            return;
        }

        var fromFiles = new WorkerCurves(_options.CurvePoints, _options.CurvesPerWorker);
        var decoder = new EventDecoder();
        try
        {
            foreach (string file in Directory.GetFiles(directory, "*tfevents*").Order(StringComparer.Ordinal))
            {
                // The file may be growing: a torn last record is skipped, and the live points past it are kept by the merge.
                foreach (var evt in RunReader.ReadFile(file, decoder))
                {
                    foreach (var value in evt.Values)
                    {
                        if (value.Kind == ValueKind.Scalar && fromFiles.RoleOf(value.Tag) is { } role)
                        {
                            fromFiles.Add(value.Tag, role, evt.Step, value.Scalar);
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WebLog.CurvesNotRead(_logger, project, run, worker, ex);
            return;
        }

        curves.MergeFrom(fromFiles);
    }
}
