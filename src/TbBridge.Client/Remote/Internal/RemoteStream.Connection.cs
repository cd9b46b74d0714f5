using System.Globalization;
using Grpc.Core;
using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>The connection loop: open, resume, send, follow acks, reconnect.</summary>
internal sealed partial class RemoteStream
{
    /// <summary>Waits until everything sealed up to <paramref name="sequence"/> is acked, the timeout passes, or the connection drops.</summary>
    public async Task<bool> WaitAckedAsync(ulong sequence, TimeSpan timeout, bool onlyWhileConnected, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_acked >= sequence || _pending.Count == 0)
                {
                    return true;
                }

                changed = _ackChanged.Task;
            }

            if (onlyWhileConnected && !_connected)
            {
                return false;
            }

            try
            {
                // Wake up now and then to notice a dropped connection.
                await changed.WaitAsync(TimeSpan.FromMilliseconds(100), _time, deadline.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    /// <summary>Final drain: seal, send and wait for every ack up to the drain timeout; then stop the loop.</summary>
    public async Task DrainAndStopAsync()
    {
        ulong last = Seal();
        _draining = true;
        Wake();
        bool drained = await WaitAckedAsync(last, _options.DrainTimeout, onlyWhileConnected: false, CancellationToken.None).ConfigureAwait(false);
        if (!drained)
        {
            RemoteLog.DrainIncomplete(_logger, Run, PendingBatches, _spool is not null);
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        Wake();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _abort.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_abort.IsCancellationRequested)
        {
            if (_draining && PendingBatches == 0)
            {
                return;
            }

            try
            {
                await RunConnectionAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Whatever ended the connection, the loop goes on: it is the only thing that sends.
                if (_abort.IsCancellationRequested)
                {
                    return;
                }

                OnConnectionFailed(ex);
            }
            finally
            {
                _connected = false;
            }

            if (_draining && PendingBatches == 0)
            {
                return;
            }

            try
            {
                await Task.Delay(NextBackoff(), _time, _abort.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan NextBackoff()
    {
        int failures = Math.Min(Interlocked.Increment(ref _failures), 30);
        double ceiling = Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, failures - 1));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5))); // jitter: 50-100 %
    }

    private void OnConnectionFailed(Exception ex)
    {
        if (ex is RpcException { StatusCode: StatusCode.InvalidArgument } rpc && _connected)
        {
            // The service refused a batch's content: resending it would fail forever. Drop the oldest unacked one.
            DropOldestPending(rpc.Status.Detail);
        }

        RemoteLog.ConnectionFailed(_logger, Run, ex.Message, ex);
    }

    private async Task RunConnectionAsync()
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        using var call = _client.Ingest(_headers, cancellationToken: connection.Token);
        ulong sent = await OpenAsync(call, connection.Token).ConfigureAwait(false);
        OnAcked(sent);
        _connected = true;
        Interlocked.Exchange(ref _failures, 0);
        RemoteLog.Connected(_logger, Run, StreamId, sent);

        var reader = ReadAcksAsync(call, connection);
        try
        {
            while (true)
            {
                var next = NextAfter(sent);
                if (next is not null)
                {
                    var message = next.Message ?? _spool!.Read(next.Sequence);
                    await call.RequestStream.WriteAsync(new IngestRequest { Batch = message }, connection.Token).ConfigureAwait(false);
                    sent = next.Sequence;
                    continue;
                }

                if (_draining && PendingBatches == 0)
                {
                    await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                    await reader.ConfigureAwait(false);
                    return;
                }

                await _signal.WaitAsync(connection.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            try
            {
                await reader.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
            {
                // The reason the connection ended is reported by the caller's catch.
            }
        }
    }

    /// <summary>
    /// Sends 'open' and reads the service's answer: the last sequence it holds. A call that gets no answer
    /// within <see cref="RemoteSinkOptions.OpenTimeout"/> is cancelled and the connection loop tries again.
    /// </summary>
    private async Task<ulong> OpenAsync(AsyncDuplexStreamingCall<IngestRequest, IngestResponse> call, CancellationToken connection)
    {
        using var deadline = new CancellationTokenSource(_options.OpenTimeout, _time);
        using var opening = CancellationTokenSource.CreateLinkedTokenSource(connection, deadline.Token);
        try
        {
            await call.RequestStream.WriteAsync(new IngestRequest
            {
                Open = new OpenStream
                {
                    Project = _options.Project,
                    Run = Run,
                    Worker = _options.Worker,
                    Host = _options.HostName ?? Environment.MachineName,
                    StreamId = StreamId,
                },
            }, opening.Token).ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(opening.Token).ConfigureAwait(false))
            {
                throw new IOException("The service closed the stream before answering 'open'.");
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } && deadline.IsCancellationRequested && !connection.IsCancellationRequested)
        {
            throw OpenTimedOut(ex);
        }

        return call.ResponseStream.Current.Opened.LastSequence;
    }

    private TimeoutException OpenTimedOut(Exception inner) =>
        new(string.Create(CultureInfo.InvariantCulture, $"The service did not answer 'open' within {_options.OpenTimeout.TotalSeconds:0.#} s."), inner);

    private async Task ReadAcksAsync(AsyncDuplexStreamingCall<IngestRequest, IngestResponse> call, CancellationTokenSource connection)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(connection.Token).ConfigureAwait(false))
            {
                if (call.ResponseStream.Current.KindCase == IngestResponse.KindOneofCase.Ack)
                {
                    OnAcked(call.ResponseStream.Current.Ack.Sequence);
                }
            }
        }
        finally
        {
            // The call ended (cleanly or not): wake the sender so it reconnects.
            await connection.CancelAsync().ConfigureAwait(false);
        }
    }

    private PendingBatch? NextAfter(ulong sequence)
    {
        lock (_gate)
        {
            for (var node = _pending.First; node is not null; node = node.Next)
            {
                if (node.Value.Sequence > sequence)
                {
                    return node.Value;
                }
            }

            return null;
        }
    }

    private void OnAcked(ulong sequence)
    {
        lock (_gate)
        {
            if (sequence > _acked)
            {
                _acked = sequence;
            }

            while (_pending.First is { } first && first.Value.Sequence <= sequence)
            {
                Release(first.Value);
                Interlocked.Add(ref _ackedPoints, first.Value.Points);
                _pending.RemoveFirst();
            }

            _ackChanged.TrySetResult();
            _ackChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Wake();
    }

    private void DropOldestPending(string reason)
    {
        lock (_gate)
        {
            if (_pending.First is { } first)
            {
                Release(first.Value);
                Interlocked.Add(ref _droppedPoints, first.Value.Points);
                _pending.RemoveFirst();
                RemoteLog.BatchRefused(_logger, Run, first.Value.Sequence, first.Value.Points, reason);
            }
        }
    }

    private void Release(PendingBatch batch)
    {
        if (batch.Message is not null)
        {
            _memoryBytes -= batch.Size;
        }

        if (batch.Spooled)
        {
            try
            {
                _spool!.Delete(batch.Sequence, batch.Size);
            }
            catch (IOException ex)
            {
                RemoteLog.SpoolFailed(_logger, Run, ex);
            }
        }
    }
}
