using TbBridge.Internal;

namespace TbBridge;

public sealed partial class SummaryWriter
{
    // After a round that found points, the loop waits this long before looking again, so a fast
    // producer fills batches instead of waking the loop for every point (each wake costs the caller
    // a thread-pool hand-off). Flush markers skip the pause.
    private static readonly TimeSpan BatchingPause = TimeSpan.FromMilliseconds(1);

    private const int MaxRememberedErrors = 16;

    private readonly List<Exception> _errorsSinceFlush = [];
    private long _droppedWritten;
    private long _droppedLogAt = 1;

    // The single reader: batches points to the sinks in queue order, flushes on markers, and on
    // completion drains, flushes durably and closes the sinks.
    private async Task RunLoopAsync()
    {
        var batch = new List<SummaryPoint>(MaxBatchSize);
        var reader = _channel.Reader;
        bool dirty = false;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                bool flushed = false;
                while (reader.TryRead(out var point))
                {
                    if (point.Kind != SummaryPoint.FlushMarkerKind)
                    {
                        batch.Add(point);
                        if (batch.Count >= MaxBatchSize)
                        {
                            await WriteBatchAsync(batch).ConfigureAwait(false);
                            dirty = true;
                        }

                        continue;
                    }

                    var request = (FlushRequest)point.Payload!;
                    if (batch.Count > 0)
                    {
                        await WriteBatchAsync(batch).ConfigureAwait(false);
                        dirty = true;
                    }

                    if (request == FlushRequest.Periodic)
                    {
                        if (dirty)
                        {
                            await FlushSinksAsync().ConfigureAwait(false);
                            dirty = false;
                        }

                        continue; // sink errors stay for the next Flush caller

                    }

                    await FlushSinksAsync().ConfigureAwait(false);
                    dirty = false;
                    flushed = true;
                    CompleteFlush(request);
                }

                if (batch.Count > 0)
                {
                    await WriteBatchAsync(batch).ConfigureAwait(false);
                    dirty = true;
                }

                if (!flushed && Volatile.Read(ref _disposed) == 0)
                {
                    await Task.Delay(BatchingPause).ConfigureAwait(false);
                }
            }

            if (batch.Count > 0 || DroppedPoints != _droppedWritten)
            {
                await WriteBatchAsync(batch).ConfigureAwait(false);
            }

            await FlushSinksAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the loop must never die silently: anything unexpected is logged and ends the writer
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.WriterLoopFailed(_logger, e);
            _channel.Writer.TryComplete(e);
        }
        finally
        {
            await DisposeSinksAsync().ConfigureAwait(false);
            FailPendingFlushes();
        }
    }

    private async ValueTask WriteBatchAsync(List<SummaryPoint> batch)
    {
        long dropped = DroppedPoints;
        if (dropped != _droppedWritten)
        {
            long step = batch.Count > 0 ? batch[^1].Step : 0;
            batch.Add(new SummaryPoint(SummaryPointKind.Scalar, string.Empty, DroppedPointsTag, step, Now(), dropped, null));
            _droppedWritten = dropped;
            if (dropped >= _droppedLogAt)
            {
                Log.PointsDropped(_logger, dropped); // at the first drop, then each time the total doubles
                _droppedLogAt = dropped * 2;
            }
        }

        foreach (var sink in _sinks)
        {
            try
            {
                await sink.WriteAsync(batch, CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // one failing sink must not stop the others or the training loop
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.SinkWriteFailed(_logger, sink.GetType().Name, batch.Count, e);
                RememberError(e);
            }
        }

        batch.Clear();
    }

    private async ValueTask FlushSinksAsync()
    {
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // reported to the next Flush caller and logged
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.SinkFlushFailed(_logger, sink.GetType().Name, e);
                RememberError(e);
            }
        }
    }

    // Kept for the next explicit Flush; a sink that fails for hours keeps only the first few.
    private void RememberError(Exception e)
    {
        if (_errorsSinceFlush.Count < MaxRememberedErrors)
        {
            _errorsSinceFlush.Add(e);
        }
    }

    private void CompleteFlush(FlushRequest request)
    {
        if (_errorsSinceFlush.Count == 0)
        {
            request.Completion.TrySetResult();
            return;
        }

        request.Completion.TrySetException(new IOException("A summary sink failed since the previous flush; see the inner exceptions.", new AggregateException(_errorsSinceFlush)));
        _errorsSinceFlush.Clear();
    }

    private async ValueTask DisposeSinksAsync()
    {
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // closing goes on for the other sinks
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.SinkDisposeFailed(_logger, sink.GetType().Name, e);
            }
        }
    }

    // Flush markers still queued when the loop ends (only after a failure) must not hang their callers.
    private void FailPendingFlushes()
    {
        while (_channel.Reader.TryRead(out var point))
        {
            if (point.Kind == SummaryPoint.FlushMarkerKind && point.Payload is FlushRequest request && request != FlushRequest.Periodic)
            {
                request.Completion.TrySetException(new ObjectDisposedException(nameof(SummaryWriter)));
            }
        }
    }
}
