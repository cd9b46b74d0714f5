using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TbBridge.Events;
using TbBridge.Server.Internal.Runs;
using TbBridge.Server.Internal.Security;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// The ingest side of the service, free of gRPC: opens, feeds and closes stream sessions, runs the group
/// committer, keeps the resume state and the one analysis of each worker, and on start cuts every stream's
/// file back to what was acked.
/// </summary>
/// <remarks>
/// Layout: one TensorBoard run per worker, <c>&lt;project&gt;/&lt;run&gt;/&lt;worker&gt;/</c>, and one event file per
/// stream id in it, registered in the resume state before its first byte is written and continued on resume. At
/// most one live connection per stream id and one live stream per worker, so no two connections ever append to
/// one file or one TensorBoard run at once.
/// </remarks>
internal sealed partial class IngestEngine : IHostedService, IAsyncDisposable
{
    private readonly IStreamAnalysisFactory _analysisFactory;
    private readonly IAlertRouter _alerts;
    private readonly IStreamObserver _observer;
    private readonly RunRegistry _runs;
    private readonly IStreamStateStore _store;
    private readonly TimeProvider _time;
    private static int s_laterNames;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<StreamKey, StreamSession> _active = [];
    private readonly Dictionary<StreamKey, StreamState> _states = [];
    private readonly HashSet<StreamKey> _opening = [];
    private readonly Dictionary<WorkerKey, StreamKey> _liveWorkers = [];
    private readonly Dictionary<WorkerKey, WorkerAnalysis> _analyses = [];
    private readonly CancellationTokenSource _stoppingSource = new();
    private long _replays;
    private bool _nearDescriptorLimit; // logged once per time the limit is reached, not per refused stream
    private StreamSession[] _activeSnapshot = [];
    private GroupCommitter? _committer;
    private bool _stopping;

    public IngestEngine(
        IOptions<TbBridgeServerOptions> options,
        IStreamAnalysisFactory analysis,
        IAlertRouter alerts,
        IStreamObserver observer,
        RunRegistry runs,
        IStreamStateStore store,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILogger<IngestEngine> logger)
    {
        DataDirectory = Path.GetFullPath(options.Value.DataDirectory);
        _analysisFactory = analysis;
        _alerts = alerts;
        _observer = observer;
        _runs = runs;
        _store = store;
        _time = time;
        _lifetime = lifetime;
        _logger = logger;
    }

    public string DataDirectory { get; }

    /// <summary>True between start and the beginning of shutdown.</summary>
    public bool IsRunning => _committer is not null && !_stopping;

    /// <summary>Worker analyses rebuilt from the worker's files so far (a restart, a takeover, a run continued after its clean end).</summary>
    public long AnalysisReplays => Interlocked.Read(ref _replays);

    /// <summary>Group commits run so far.</summary>
    public long CommitCycles => _committer?.Cycles ?? 0;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        foreach (var state in _store.LoadAll())
        {
            if (!_store.IsShared)
            {
                // Replicas never cut a file at start: another may be writing it. A stream is cut back when it is claimed.
                var recovered = MoveForwardToMarkers(state);
                _states[state.Identity.Key] = recovered;
                Recover(recovered);
            }

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

        _store.Dispose();
        _stoppingSource.Dispose();
    }

    private void BeginShutdown()
    {
        StreamSession[] sessions;
        lock (_gate)
        {
            _stopping = true;
            sessions = [.. _active.Values];
        }

        _stoppingSource.Cancel(); // replays in the background stop

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
                _states[state.Identity.Key] = state.Delta is null ? state : state with { Delta = null };
            }
        }
    }

    /// <summary>
    /// A state older than its file (tbbridge.db restored from a backup, or saved late): the commit markers past its
    /// offset prove later commits were fsynced, and perhaps acked, so the state moves forward to the last of them
    /// (saved before anything is cut) and only what follows that marker is cut.
    /// </summary>
    private StreamState MoveForwardToMarkers(StreamState state)
    {
        if (state.File is null)
        {
            return state;
        }

        string path = Path.Combine(DataDirectory, state.File);
        if (CommitMarker.FindLast(path, state.Identity.StreamId, state.FileOffset) is not { } proven || proven.Sequence < state.LastSequence)
        {
            return state;
        }

        var forward = state with { LastSequence = proven.Sequence, FileOffset = proven.End };
        _store.SaveAll([forward]);
        IngestLog.RecoveryMovedForward(_logger, state.Identity.StreamId, path, state.LastSequence, proven.Sequence, proven.End - state.FileOffset);
        return forward;
    }

    /// <summary>Cuts a stream's file back to the offset of its last durable sequence (the rest was never acked); a file with nothing durable goes.</summary>
    private void Recover(StreamState state)
    {
        if (state.File is null)
        {
            return;
        }

        string path = Path.Combine(DataDirectory, state.File);
        long? length = DurableFile.CutBack(path, state.FileOffset);
        if (length is null)
        {
            if (state.FileOffset > 0)
            {
                Log.RecoveryFileMissing(_logger, state.Identity.StreamId, path);
            }
        }
        else if (state.FileOffset == 0)
        {
            IngestLog.RecoveryRemoved(_logger, state.Identity.StreamId, path);
        }
        else if (length > state.FileOffset)
        {
            Log.RecoveryTruncated(_logger, state.Identity.StreamId, path, length.Value - state.FileOffset, state.LastSequence);
        }
        else if (length < state.FileOffset)
        {
            Log.RecoveryFileShort(_logger, state.Identity.StreamId, path, length.Value, state.FileOffset);
        }
    }

    /// <summary>
    /// A new stream's event file, relative to the data directory: <c>&lt;project&gt;/&lt;run&gt;/&lt;worker&gt;/events.out.tfevents.…</c>.
    /// Its name sorts after every file in <paramref name="after"/> (the worker's files on a shared volume), so TensorBoard,
    /// which reads a run's files in name order, reads a stream taken over by this replica after what another wrote.
    /// </summary>
    private string NewRelativeFile(StreamIdentity identity, IReadOnlyList<(string File, long Length)>? after = null)
    {
        // The names were validated (NameRules); this is the second line of defence against escaping the data directory.
        string directory = Path.GetFullPath(Path.Combine([DataDirectory, identity.Project, .. identity.Run.Split('/'), identity.Worker]));
        if (!directory.StartsWith(DataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new StreamRejectedException(StreamRejection.InvalidName, "The run directory would be outside the data directory.");
        }

        string host = NameRules.FileSafeHost(identity.Host);
        string name = EventFileWriter.NewFileName(new EventFileWriterOptions { HostName = host, TimeProvider = _time });
        string? last = after?.Select(f => Path.GetFileName(f.File)).Where(EventFileNames.IsEventFile).Max(StringComparer.Ordinal);
        if (last is not null && string.CompareOrdinal(name, last) <= 0
            && long.TryParse(last.Split('.')[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seconds))
        {
            name = EventFileNames.Create(seconds + 1, host, Environment.ProcessId, Interlocked.Increment(ref s_laterNames));
        }

        return Path.GetRelativePath(DataDirectory, Path.Combine(directory, name));
    }

    /// <summary>Names a session's file in the resume state, durably: from then on a crash finds it and cuts it back.</summary>
    private void Register(StreamSession session)
    {
        var state = new StreamState(session.Identity, session.LastDurable, session.RelativeFile, session.DurableOffset, session.Epoch);
        IReadOnlyCollection<StreamKey> fenced;
        try
        {
            fenced = _store.SaveAll([state]);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw new IOException("The stream's file could not be registered in the resume state.", ex);
        }

        if (fenced.Count > 0)
        {
            throw StreamFencing.Lost(session.Identity);
        }

        OnStateSaved([state]);
    }

    /// <summary>
    /// Opens a session's file at its first write. The resume state named it when the session was opened (see
    /// <see cref="Register"/>), so a crash at any later point finds it and cuts it back; here it is created, or
    /// continued from its durable offset.
    /// </summary>
    private EventFileWriter OpenFile(StreamSession session) =>
        EventFileWriter.Open(session.FilePath, session.DurableOffset, new EventFileWriterOptions { TimeProvider = _time, BufferSize = 256 * 1024 });
}
