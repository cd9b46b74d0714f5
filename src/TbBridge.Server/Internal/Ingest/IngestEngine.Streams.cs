using TbBridge.Analysis;
using TbBridge.Events;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>Opening, feeding and closing streams.</summary>
internal sealed partial class IngestEngine
{
    /// <summary>
    /// Opens (or resumes) a stream. Refused while the stream id, or another stream of the same worker, is live on
    /// another connection: a second writer never takes over, so none can be told that sequences it never sent are durable.
    /// </summary>
    public async Task<(StreamSession Session, bool Resumed)> OpenAsync(StreamIdentity identity, CancellationToken cancellationToken)
    {
        var key = identity.Key;
        StreamState? state;
        RefuseNearDescriptorLimit();
        lock (_gate)
        {
            ThrowIfStopping();
            if (_active.ContainsKey(key) || _opening.Contains(key))
            {
                throw new StreamRejectedException(
                    StreamRejection.Busy,
                    $"Stream '{identity.StreamId}' is live on another connection. Retry after a backoff: a connection that died is noticed within the service's keepalive timeout.");
            }

            if (_liveWorkers.ContainsKey(identity.WorkerKey))
            {
                throw new StreamRejectedException(
                    StreamRejection.Busy,
                    $"Worker '{identity.Worker}' of run '{identity.Run}' is streaming on another connection under another stream id; a worker streams one stream at a time. Retry after a backoff, or use another worker name.");
            }

            _states.TryGetValue(key, out state);
            if (state is not null && (state.Identity.Run != identity.Run || state.Identity.Worker != identity.Worker))
            {
                throw new StreamRejectedException(StreamRejection.Conflict, $"Stream id '{identity.StreamId}' is bound to another run or worker of this project; use a new stream id.");
            }

            _opening.Add(key);
            _liveWorkers[identity.WorkerKey] = key;
        }

        StreamSession session;
        try
        {
            session = await Task.Run(() => CreateSession(identity, ref state), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _opening.Remove(key);
                _liveWorkers.Remove(identity.WorkerKey);
            }

            if (StorageErrors.IsStorageError(ex))
            {
                throw StorageErrors.ToRejection(ex); // the disk is full, descriptors are out, or the file cannot be cut back
            }

            throw;
        }

        lock (_gate)
        {
            _opening.Remove(key);
            if (_stopping)
            {
                _liveWorkers.Remove(identity.WorkerKey);
                session.Dispose();
                ThrowIfStopping();
            }

            _active[key] = session;
            _activeSnapshot = [.. _active.Values];
        }

        var run = _runs.GetOrAdd(identity.Project, identity.Run);
        run.AddWorker(identity.Worker);
        run.StreamOpened();
        _observer.Opened(session);
        Log.StreamOpened(_logger, identity.StreamId, identity.Project, identity.Run, identity.Worker, session.LastDurable, session.RelativeFile);
        return (session, state is not null);
    }

    /// <summary>
    /// Refuses a new stream (RESOURCE_EXHAUSTED) while it would leave fewer descriptors free than the runtime needs
    /// to start threads (see <see cref="DescriptorReserve"/>): the streams already open, and the process, go on.
    /// </summary>
    private void RefuseNearDescriptorLimit()
    {
        if (DescriptorReserve.ForThisProcess is not { } descriptors)
        {
            return;
        }

        if (descriptors.HasRoom(out int open))
        {
            Volatile.Write(ref _nearDescriptorLimit, false);
            return;
        }

        if (!Volatile.Read(ref _nearDescriptorLimit))
        {
            Volatile.Write(ref _nearDescriptorLimit, true);
            IngestLog.NearDescriptorLimit(_logger, open, descriptors.Limit, descriptors.Reserve);
        }

        throw new StreamRejectedException(
            StreamRejection.Exhausted,
            $"The service is out of file descriptors for new streams ({open} of its limit of {descriptors.Limit} are open; {descriptors.Reserve} are kept free for the process itself). Resume after a backoff: streams that end free theirs.");
    }

    /// <summary>Writes a batch, analyses it, and asks for a commit. A refused batch writes nothing; a failed write ends the stream.</summary>
    public int Append(StreamSession session, IngestBatch batch)
    {
        int written;
        try
        {
            written = session.Append(batch);
        }
        catch (Exception ex) when (StorageErrors.IsStorageError(ex))
        {
            IngestLog.WriteFailed(_logger, session.Identity.StreamId, session.RelativeFile, ex);
            _committer!.Fail(session, ex);
            throw session.Failure!;
        }

        var summary = batch.Summary; // one pass over the points, for the run, the progress and the liveness monitor
        var run = _runs.GetOrAdd(session.Identity.Project, session.Identity.Run);
        run.AddTags(summary.TagsWithPoints);
        run.AddPoints(written, summary.MaxPointStep);
        session.Progress?.Note(batch, written);
        _observer.Received(session, batch);
        _committer!.Notify();
        try
        {
            session.Analysis?.Feed(batch, session.Aborted);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The data is written and will be acked; the analysis goes on with the next batch.
            IngestLog.AnalysisFailed(_logger, session.Identity.Project, session.Identity.Run, session.Identity.Worker, ex);
        }

        return written;
    }

    /// <summary>
    /// Ends a session: the worker's end-of-run checks when the client ended it cleanly, a last commit (its final
    /// ack), then the file is closed. The stream id and the worker stay taken until then, so a resume never
    /// touches the file while this session's last commit is in flight.
    /// </summary>
    public async Task CloseAsync(StreamSession session)
    {
        if (!session.TryBeginClose())
        {
            // Closed already, or being closed by the call's own end while the service stops: wait for that one.
            await session.Closed.ConfigureAwait(false);
            return;
        }

        var identity = session.Identity;
        bool completed = session.CompletedByClient && session.Failure is null;
        Exception? error = null;
        try
        {
            if (completed && session.Analysis is { } worker)
            {
                try
                {
                    // The end-of-run checks see every point: the replay and the batches that waited behind it first.
                    await worker.CaughtUp.ConfigureAwait(false);
                    if (!worker.Incomplete)
                    {
                        worker.Analysis?.Complete();
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    IngestLog.AnalysisFailed(_logger, identity.Project, identity.Run, identity.Worker, ex);
                }
            }

            var committer = _committer;
            if (committer is not null)
            {
                await Task.Run(() => committer.CommitNow([session])).ConfigureAwait(false);
                if (session.Failure is { } failure)
                {
                    // Failed outside a commit (an alert's text could not be written): roll back under the commit lock too.
                    committer.Fail(session, failure);
                }
            }
        }
        catch (Exception ex)
        {
            Log.CommitFailed(_logger, ex);
            error = ex;
        }
        finally
        {
            session.Dispose();
            lock (_gate)
            {
                if (_analyses.TryGetValue(identity.WorkerKey, out var analysis) && analysis.Current == session)
                {
                    analysis.Current = null;
                    analysis.NeedsRestate |= session.Failure is not null;
                    if (completed)
                    {
                        // A later stream of this worker rebuilds it from the files; what it raised is not raised again.
                        _analyses.Remove(identity.WorkerKey);
                    }
                }

                if (_active.TryGetValue(identity.Key, out var current) && current == session)
                {
                    _active.Remove(identity.Key);
                    _activeSnapshot = [.. _active.Values];
                    if (_liveWorkers.TryGetValue(identity.WorkerKey, out var holder) && holder == identity.Key)
                    {
                        _liveWorkers.Remove(identity.WorkerKey);
                    }
                }
            }

            var end = session.CompletedByClient ? StreamEnd.Completed : session.AbortReason is not null ? StreamEnd.EndedByService : StreamEnd.Broken;
            if (_store.IsShared)
            {
                // A failed session is released too (its file is already cut back to what was acked, and any claim cuts a
                // sealed file back again): held, its worker would be refused on every other replica while this one lives.
                ReleaseClaim(session, end == StreamEnd.Broken);
            }

            _runs.GetOrAdd(identity.Project, identity.Run).StreamClosed();
            _observer.Closed(session, end);
            Log.StreamClosed(_logger, identity.StreamId, session.LastDurable, session.AbortReason ?? "client finished");
            session.MarkClosed(error);
        }
    }

    /// <summary>Completes after a full commit cycle that started after the call: everything written before it is durable.</summary>
    public Task CommitAsync() => _committer?.CommitAsync() ?? Task.CompletedTask;

    /// <summary>
    /// The session of a stream being opened, and its worker's analysis: the one kept since an earlier stream of the
    /// worker, or a new one that first replays the worker's files (a restart, or a run that was completed before).
    /// </summary>
    private StreamSession CreateSession(StreamIdentity identity, ref StreamState? state)
    {
        IReadOnlyList<(string File, long Length)>? workerFiles = null;
        long epoch = 0;
        if (_store.IsShared)
        {
            // Taken from whichever replica had it, under a new owner epoch: that one can never ack again. A file
            // another replica wrote is sealed at what was acked (cut back here) and this one starts the next.
            var claim = _store.Claim(identity, state, (file, offset) => CommitMarker.FindLast(Path.Combine(DataDirectory, file), identity.StreamId, offset));
            state = claim.State;
            epoch = claim.Epoch;
            workerFiles = claim.WorkerFiles;
            foreach (var (sealedFile, length) in claim.Sealed)
            {
                DurableFile.CutBack(Path.Combine(DataDirectory, sealedFile), length);
            }
        }

        bool rebuilt = false;
        if (state is null && !_store.IsShared && RebuildFromFiles(identity) is { } found)
        {
            state = found;
            rebuilt = true;
        }

        string relative = state?.File ?? NewRelativeFile(identity, workerFiles);
        string path = Path.Combine(DataDirectory, relative);
        for (int attempt = 0; state?.File is null && File.Exists(path); attempt++)
        {
            // A new stream never takes over a file that exists (same second, pid and counter as an earlier process).
            if (attempt == 100)
            {
                throw new IOException($"No free event file name in {Path.GetDirectoryName(path)}.");
            }

            relative = NewRelativeFile(identity);
            path = Path.Combine(DataDirectory, relative);
        }

        // What a failed rollback left beyond the durable offset goes now, before anything is appended.
        long offset = state?.FileOffset ?? 0;
        if (DurableFile.CutBack(path, offset) is null && offset > 0)
        {
            Log.RecoveryFileMissing(_logger, identity.StreamId, path);
            offset = 0;
        }

        var session = new StreamSession(identity, path, relative, state?.LastSequence ?? 0, offset, OpenFile)
        {
            Epoch = epoch,
            Progress = _store.IsShared ? new StreamProgress() : null,
            Time = _time,
        };
        if (rebuilt || state is null || state.File != relative || state.FileOffset != offset)
        {
            // Named in the resume state now, at open (so the first batch does not wait for a durable SQLite commit of
            // its own), and at the offset the session starts from (a file that had gone starts again at 0).
            Register(session);
        }

        try
        {
            AttachAnalysis(identity, session, workerFiles);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return session;
    }

    /// <summary>
    /// The state of a stream id tbbridge.db does not know (it was lost, or restored from before the stream began), from
    /// its commit markers: the worker's event files that no known stream owns are read for the last marker naming the
    /// id, and the stream resumes after it, so a client that resumes from the service's last sequence doubles nothing.
    /// Null when no file names it (a new stream). Only the files of the stream's own worker are read.
    /// </summary>
    private StreamState? RebuildFromFiles(StreamIdentity identity)
    {
        string directory = Path.GetFullPath(Path.Combine([DataDirectory, identity.Project, .. identity.Run.Split('/'), identity.Worker]));
        if (!directory.StartsWith(DataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !Directory.Exists(directory))
        {
            return null;
        }

        HashSet<string> owned;
        lock (_gate)
        {
            owned = _states.Values.Where(s => s.File is not null).Select(s => Path.GetFullPath(Path.Combine(DataDirectory, s.File!))).ToHashSet(StringComparer.Ordinal);
        }

        StreamState? best = null;
        foreach (string file in Directory.EnumerateFiles(directory).Where(f => EventFileNames.IsEventFile(Path.GetFileName(f)) && !owned.Contains(f)))
        {
            if (CommitMarker.FindLast(file, identity.StreamId, 0) is { } proven && proven.Sequence > (best?.LastSequence ?? 0))
            {
                best = new StreamState(identity, proven.Sequence, Path.GetRelativePath(DataDirectory, file), proven.End);
            }
        }

        if (best is not null)
        {
            IngestLog.StreamRebuiltFromFile(_logger, identity.StreamId, best.File!, best.LastSequence);
        }

        return best;
    }

    /// <summary>
    /// Gives a session its worker's analysis: the one kept since an earlier stream of the worker, or a new one that
    /// first replays the worker's files. Then the worker's alert log is restated when a restart or a failed session
    /// may have cut alert entries from its files.
    /// </summary>
    private void AttachAnalysis(StreamIdentity identity, StreamSession session, IReadOnlyList<(string File, long Length)>? workerFiles)
    {
        WorkerAnalysis? analysis;
        lock (_gate)
        {
            _analyses.TryGetValue(identity.WorkerKey, out analysis);
        }

        // The worker is reserved for this opener (_liveWorkers): nobody else creates its analysis meanwhile.
        bool created = analysis is null;
        if (analysis is null)
        {
            var owner = analysis = new WorkerAnalysis(identity, _alerts.RaisedKeys(identity));
            owner.Analysis = _analysisFactory.Create(identity, alert => RouteOnce(owner, alert));
        }

        lock (_gate)
        {
            _analyses[identity.WorkerKey] = analysis;
            analysis.Current = session;
        }

        try
        {
            session.Analysis = analysis;
            if (created)
            {
                BeginReplay(identity, analysis, workerFiles);
            }

            if (created || analysis.NeedsRestate)
            {
                analysis.NeedsRestate = false;
                _alerts.Restate(session);
            }
        }
        catch
        {
            lock (_gate)
            {
                if (created && _analyses.TryGetValue(identity.WorkerKey, out var current) && current == analysis)
                {
                    _analyses.Remove(identity.WorkerKey); // not restated: the next open builds it again
                }
                else
                {
                    analysis.Current = null;
                }
            }

            throw;
        }
    }

    /// <summary>
    /// Routes an alert the worker has not raised before; one that cannot be routed may be raised again by a later replay.
    /// One raised while the worker has no stream (a replay or the batches behind it still running after its stream
    /// broke) is published and stored at once, and its text reaches the run with the worker's next stream. One the
    /// replay raises waits for the replay's end (<see cref="RouteFound"/>).
    /// </summary>
    private void RouteOnce(WorkerAnalysis owner, Alert alert)
    {
        if (!owner.TryClaim(alert))
        {
            return;
        }

        if (owner.Replaying)
        {
            owner.Found(alert);
            return;
        }

        Route(owner, alert, written: false);
    }

    /// <summary>
    /// Routes the alerts a replay raised, that the store does not hold: the service raised them before it restarted and
    /// died before it stored them (a failing store), or died before the batch they came from was analysed. One whose text
    /// entry the worker's files hold already (<paramref name="entries"/>) is published and stored without a second entry.
    /// </summary>
    private void RouteFound(WorkerAnalysis owner, IReadOnlyCollection<string> entries)
    {
        var found = owner.TakeFound();
        if (found.Count == 0)
        {
            return;
        }

        var written = _alerts.EntryWritten(owner.Worker, entries);
        foreach (var alert in found)
        {
            Route(owner, alert, written(alert));
            owner.FoundOnReplay++;
        }
    }

    private void Route(WorkerAnalysis owner, Alert alert, bool written)
    {
        var current = owner.Current;
        var identity = current?.Identity ?? owner.Worker;
        try
        {
            if (written)
            {
                _alerts.RouteWritten(identity, alert);
            }
            else if (current is null)
            {
                owner.NeedsRestate = true;
                _alerts.RouteDetached(identity, alert);
            }
            else
            {
                _alerts.Route(current, alert);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            owner.Release(alert);
            IngestLog.AlertNotRouted(_logger, alert.Kind, identity.Project, identity.Run, identity.Worker, ex);
        }
    }

    /// <summary>
    /// Feeds a new analysis the worker's durable files, oldest first (the service's own copy of what it was sent
    /// before), in the background: the stream's open does not wait for it, and its live batches are analysed after it.
    /// </summary>
    private void BeginReplay(StreamIdentity identity, WorkerAnalysis analysis, IReadOnlyList<(string File, long Length)>? workerFiles)
    {
        (string File, long Length)[] files;
        lock (_gate)
        {
            // A shared store names the worker's files itself: this replica's cache knows only the streams it held.
            // Each is read up to what was durable now; the stream being opened may append to the last meanwhile.
            files = (workerFiles?.Select(f => new StreamState(identity, 0, f.File, f.Length)) ?? _states.Values)
                .Where(s => s.Identity.WorkerKey == identity.WorkerKey && s.File is not null && s.FileOffset > 0)
                .Select(s => (File: Path.Combine(DataDirectory, s.File!), Length: s.FileOffset))
                .Where(f => File.Exists(f.File))
                .OrderBy(f => Path.GetFileName(f.File), StringComparer.Ordinal)
                .ToArray();
        }

        if (files.Length == 0)
        {
            return;
        }

        var stopping = _stoppingSource.Token;
        analysis.Replaying = true;
        analysis.BeginCatchUp(() =>
        {
            var entries = new List<string>();
            try
            {
                long points = analysis.Analysis!.Replay(files, entries, stopping);
                analysis.Replaying = false;
                RouteFound(analysis, entries);
                Interlocked.Increment(ref _replays);
                IngestLog.AnalysisReplayed(_logger, identity.Project, identity.Run, identity.Worker, files.Length, points, analysis.FoundOnReplay);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                IngestLog.ReplayFailed(_logger, identity.StreamId, string.Join(", ", files.Select(f => f.File)), ex);
                analysis.Replaying = false;
                RouteFound(analysis, entries); // what it read so far
            }
            catch (OperationCanceledException)
            {
                analysis.Incomplete = true; // the service stops: its end-of-run checks would judge half a run
                return;
            }
            finally
            {
                analysis.Replaying = false;
            }

            while (analysis.NextWaiting() is { } batch)
            {
                try
                {
                    analysis.Analysis!.Observe(batch);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    IngestLog.AnalysisFailed(_logger, identity.Project, identity.Run, identity.Worker, ex);
                }
            }
        });
    }

    /// <summary>Lets another replica take the stream at once; failing that, it waits for this replica's claim to age out.</summary>
    private void ReleaseClaim(StreamSession session, bool broken)
    {
        try
        {
            _store.Release(new StreamState(session.Identity, session.LastDurable, session.RelativeFile, session.DurableOffset, session.Epoch), broken);
        }
        catch (Exception ex) when (ex is IOException)
        {
            Log.CommitFailed(_logger, ex);
        }
    }

    private void ThrowIfStopping()
    {
        if (_stopping)
        {
            throw new StreamRejectedException(StreamRejection.Stopping, "The service is shutting down; reconnect to resume.");
        }
    }
}
