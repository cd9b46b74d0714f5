using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TbBridge.Events;
using TbBridge.Server.Internal.Runs;
using TbBridge.Server.Internal.Security;
using TbBridge.Server.Internal.Storage;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// The ingest side of the service, free of gRPC: opens, feeds and closes stream sessions, runs the group
/// committer, keeps the resume state, and on start cuts every event file back to what was acked.
/// </summary>
internal sealed partial class IngestEngine : IHostedService, IAsyncDisposable
{
    private readonly IStreamAnalysisFactory _analysis;
    private readonly IAlertRouter _alerts;
    private readonly IStreamObserver _observer;
    private readonly RunRegistry _runs;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StreamSession> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StreamState> _states = new(StringComparer.Ordinal);
    private readonly HashSet<string> _opening = new(StringComparer.Ordinal);
    private StreamSession[] _activeSnapshot = [];
    private StreamStateStore? _store;
    private GroupCommitter? _committer;
    private bool _stopping;

    public IngestEngine(
        IOptions<TbBridgeServerOptions> options,
        IStreamAnalysisFactory analysis,
        IAlertRouter alerts,
        IStreamObserver observer,
        RunRegistry runs,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILogger<IngestEngine> logger)
    {
        DataDirectory = Path.GetFullPath(options.Value.DataDirectory);
        _analysis = analysis;
        _alerts = alerts;
        _observer = observer;
        _runs = runs;
        _time = time;
        _lifetime = lifetime;
        _logger = logger;
    }

    public string DataDirectory { get; }

    /// <summary>True between start and the beginning of shutdown.</summary>
    public bool IsRunning => _committer is not null && !_stopping;

    /// <summary>Group commits run so far.</summary>
    public long CommitCycles => _committer?.Cycles ?? 0;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        _store = new StreamStateStore(Path.Combine(DataDirectory, SqliteDatabase.FileName));
        foreach (var state in _store.LoadAll())
        {
            _states[state.Identity.StreamId] = state;
            Recover(state);
            var run = _runs.GetOrAdd(state.Identity.Project, state.Identity.Run);
            run.AddWorker(state.Identity.Worker);
            run.SetAlertCounts(_alerts.CountByRun(state.Identity.Project, state.Identity.Run));
        }

        _committer = new GroupCommitter(() => Volatile.Read(ref _activeSnapshot), _store, _logger);
        _committer.StateSaved += OnStateSaved;
        _committer.Start();
        _lifetime.ApplicationStopping.Register(BeginShutdown);
        Log.EngineStarted(_logger, DataDirectory, _states.Count);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginShutdown();
        StreamSession[] remaining;
        lock (_gate)
        {
            remaining = [.. _active.Values];
        }

        try
        {
            await Task.WhenAll(remaining.Select(s => s.Closed)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // Streams still open when the host gives up: commit what they wrote so nothing acked is lost.
            foreach (var session in remaining.Where(s => !s.Closed.IsCompleted))
            {
                await CloseAsync(session).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Log.CommitFailed(_logger, ex);
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_committer is not null)
        {
            await _committer.DisposeAsync().ConfigureAwait(false);
            _committer = null;
        }

        _store?.Dispose();
        _store = null;
    }

    private void BeginShutdown()
    {
        StreamSession[] sessions;
        lock (_gate)
        {
            _stopping = true;
            sessions = [.. _active.Values];
        }

        foreach (var session in sessions)
        {
            session.Abort("The service is shutting down; reconnect to resume.");
        }
    }

    private void OnStateSaved(IReadOnlyList<StreamState> states)
    {
        lock (_gate)
        {
            foreach (var state in states)
            {
                _states[state.Identity.StreamId] = state;
            }
        }
    }

    /// <summary>Cuts a stream's last file back to the offset of its last durable sequence: the rest was never acked.</summary>
    private void Recover(StreamState state)
    {
        if (state.File is null)
        {
            return;
        }

        string path = Path.Combine(DataDirectory, state.File);
        if (!File.Exists(path))
        {
            Log.RecoveryFileMissing(_logger, state.Identity.StreamId, path);
            return;
        }

        long length = new FileInfo(path).Length;
        if (length > state.FileOffset)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            stream.SetLength(state.FileOffset);
            stream.Flush(flushToDisk: true);
            Log.RecoveryTruncated(_logger, state.Identity.StreamId, path, length - state.FileOffset, state.LastSequence);
        }
        else if (length < state.FileOffset)
        {
            Log.RecoveryFileShort(_logger, state.Identity.StreamId, path, length, state.FileOffset);
        }
    }

    private string RunDirectory(StreamIdentity identity)
    {
        // The names were validated (NameRules); this is the second line of defence against escaping the data directory.
        string directory = Path.GetFullPath(Path.Combine([DataDirectory, identity.Project, .. identity.Run.Split('/')]));
        if (!directory.StartsWith(DataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new StreamRejectedException(StreamRejection.InvalidName, "The run directory would be outside the data directory.");
        }

        return directory;
    }

    private EventFileWriter CreateWriter(StreamIdentity identity) => EventFileWriter.Create(RunDirectory(identity), new EventFileWriterOptions
    {
        FileNameSuffix = "." + identity.Worker,
        HostName = NameRules.FileSafeHost(identity.Host),
        TimeProvider = _time,
        BufferSize = 256 * 1024,
    });
}
