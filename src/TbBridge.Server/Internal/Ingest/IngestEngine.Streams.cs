namespace TbBridge.Server.Internal.Ingest;

/// <summary>Opening, feeding and closing streams.</summary>
internal sealed partial class IngestEngine
{
    /// <summary>
    /// Opens (or resumes) a stream. A connection still holding the same stream id is ended first, and its
    /// writes committed, so the last sequence returned covers everything the old connection wrote.
    /// </summary>
    public async Task<(StreamSession Session, bool Resumed)> OpenAsync(StreamIdentity identity, CancellationToken cancellationToken)
    {
        StreamSession? previous;
        lock (_gate)
        {
            ThrowIfStopping();
            _active.TryGetValue(identity.StreamId, out previous);
        }

        if (previous is not null)
        {
            Log.StreamTakenOver(_logger, identity.StreamId);
            previous.Abort("Another connection resumed this stream.");
            try
            {
                await previous.Closed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Its final commit failed: the resume state is the last one saved, which is still correct.
            }
        }

        StreamState? state;
        lock (_gate)
        {
            ThrowIfStopping();
            if (_active.ContainsKey(identity.StreamId) || !_opening.Add(identity.StreamId))
            {
                throw new StreamRejectedException(StreamRejection.Busy, $"Stream '{identity.StreamId}' is being opened by another connection at the same time.");
            }

            _states.TryGetValue(identity.StreamId, out state);
        }

        StreamSession session;
        try
        {
            if (state is not null && (state.Identity.Project != identity.Project || state.Identity.Run != identity.Run || state.Identity.Worker != identity.Worker))
            {
                throw new StreamRejectedException(
                    StreamRejection.Conflict,
                    $"Stream '{identity.StreamId}' belongs to {state.Identity.Project}/{state.Identity.Run} worker '{state.Identity.Worker}'; use a new stream id.");
            }

            // File creation can block on a busy disk: it happens outside the engine's lock, which the committer needs.
            var writer = CreateWriter(identity);
            session = new StreamSession(identity, writer, Path.GetRelativePath(DataDirectory, writer.FilePath), state?.LastSequence ?? 0);
        }
        catch
        {
            lock (_gate)
            {
                _opening.Remove(identity.StreamId);
            }

            throw;
        }

        var current = session;
        session.Analysis = _analysis.Create(identity, alert => _alerts.Route(current, alert));
        bool resumed = state is not null;
        lock (_gate)
        {
            _opening.Remove(identity.StreamId);
            if (_stopping)
            {
                session.Dispose();
                ThrowIfStopping();
            }

            _active[identity.StreamId] = session;
            _activeSnapshot = [.. _active.Values];
        }

        var run = _runs.GetOrAdd(identity.Project, identity.Run);
        run.AddWorker(identity.Worker);
        run.StreamOpened();
        _observer.Opened(session);
        _committer!.Notify();
        Log.StreamOpened(_logger, identity.StreamId, identity.Project, identity.Run, identity.Worker, session.LastDurable, session.RelativeFile);
        return (session, resumed);
    }

    /// <summary>Writes a batch (a resend of a durable one is acked and dropped), analyses it, and asks for a commit.</summary>
    public int Append(StreamSession session, IngestBatch batch)
    {
        int written = session.Append(batch, out bool duplicate);
        if (duplicate)
        {
            return 0;
        }

        long maxStep = long.MinValue;
        foreach (long step in batch.Scalars.Steps)
        {
            maxStep = Math.Max(maxStep, step);
        }

        foreach (var h in batch.Histograms)
        {
            maxStep = Math.Max(maxStep, h.Step);
        }

        var run = _runs.GetOrAdd(session.Identity.Project, session.Identity.Run);
        run.AddTags(batch.Tags);
        run.AddPoints(written, maxStep);
        _observer.Received(session, batch);
        _committer!.Notify();
        try
        {
            session.Analysis?.Observe(batch);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The data is written and will be acked; only this stream's analysis stops.
            Log.AnalysisFailed(_logger, session.Identity.StreamId, ex);
            session.Analysis = null;
        }

        return written;
    }

    /// <summary>Ends a session: a last commit (its final ack), then the file is closed.</summary>
    public async Task CloseAsync(StreamSession session)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(session.Identity.StreamId, out var current) && current == session)
            {
                _active.Remove(session.Identity.StreamId);
                _activeSnapshot = [.. _active.Values];
            }
        }

        Exception? error = null;
        try
        {
            var committer = _committer;
            if (committer is not null)
            {
                await Task.Run(() => committer.CommitNow([session])).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Log.CommitFailed(_logger, ex);
            error = ex;
        }

        session.Dispose();
        _runs.GetOrAdd(session.Identity.Project, session.Identity.Run).StreamClosed();
        _observer.Closed(session, session.CompletedByClient ? StreamEnd.Completed : session.AbortReason is not null ? StreamEnd.EndedByService : StreamEnd.Broken);
        Log.StreamClosed(_logger, session.Identity.StreamId, session.LastDurable, session.AbortReason ?? "client finished");
        session.MarkClosed(error);
    }

    /// <summary>Completes after a full commit cycle that started after the call: everything written before it is durable.</summary>
    public Task CommitAsync() => _committer?.CommitAsync() ?? Task.CompletedTask;

    private void ThrowIfStopping()
    {
        if (_stopping)
        {
            throw new StreamRejectedException(StreamRejection.Stopping, "The service is shutting down; reconnect to resume.");
        }
    }
}
