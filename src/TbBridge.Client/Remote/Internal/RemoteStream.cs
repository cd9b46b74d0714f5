using Grpc.Core;
using Microsoft.Extensions.Logging;
using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>
/// One run's stream to the service: builds batches from the writer's points, seals them into the
/// <see cref="BatchOutbox"/>, and runs the connection loop: an <see cref="IngestConnection"/> sends every
/// batch after what the service holds and feeds its acks to the outbox; on any failure the loop waits as the
/// <see cref="IBackoffPolicy"/> says and connects again.
/// </summary>
internal sealed class RemoteStream
{
    private readonly RemoteSinkOptions _options;
    private readonly IngestService.IngestServiceClient _client;
    private readonly Metadata _headers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IBackoffPolicy _backoff;
    private readonly Lock _gate = new();
    private readonly BatchBuilder _builder = new();
    private readonly BatchOutbox _outbox;
    private readonly SemaphoreSlim _work = new(0);
    private readonly CancellationTokenSource _abort = new();
    private volatile bool _draining;
    private volatile bool _connected;
    private Task _loop = Task.CompletedTask;

    public RemoteStream(RemoteSinkOptions options, string run, IngestService.IngestServiceClient client, Metadata headers, IBackoffPolicy backoff, ILogger logger)
    {
        _options = options;
        Run = run;
        _client = client;
        _headers = headers;
        _backoff = backoff;
        _logger = logger;
        _time = options.TimeProvider;
        if (options.SpoolDirectory is { } root)
        {
            var (spool, left) = BatchSpool.Open(root, options.Project, run, options.Worker, options.MaxSpoolBytes);
            StreamId = spool.StreamId;
            _outbox = new BatchOutbox(run, spool, left, options.MaxBufferedBytes, logger);
            if (left.Count > 0)
            {
                RemoteLog.ReplayingSpool(_logger, run, left.Count);
            }
        }
        else
        {
            StreamId = Guid.NewGuid().ToString("N");
            _outbox = new BatchOutbox(run, null, [], options.MaxBufferedBytes, logger);
        }
    }

    public string Run { get; }

    public string StreamId { get; }

    public bool IsConnected => _connected;

    public long AcknowledgedPoints => _outbox.AcknowledgedPoints;

    public long DroppedPoints => _outbox.DroppedPoints;

    public ulong AcknowledgedSequence => _outbox.Acknowledged;

    public int PendingBatches => _outbox.Count;

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Adds a point to the batch being built, sealing it when full. Never waits on the network.</summary>
    public bool Add(in SummaryPoint point)
    {
        lock (_gate)
        {
            if (!_builder.Add(point, _time.GetTimestamp()))
            {
                return false;
            }

            if (_builder.Count >= _options.MaxBatchPoints)
            {
                SealLocked();
            }

            return true;
        }
    }

    /// <summary>Seals the batch being built if its first point is older than the batch delay.</summary>
    public void SealIfStale()
    {
        lock (_gate)
        {
            if (_builder.Count > 0 && _time.GetElapsedTime(_builder.StartedAt) >= _options.MaxBatchDelay)
            {
                SealLocked();
            }
        }
    }

    /// <summary>Seals the batch being built and returns the sequence of the newest sealed batch.</summary>
    public ulong Seal()
    {
        lock (_gate)
        {
            SealLocked();
            return _outbox.LastSequence;
        }
    }

    /// <summary>
    /// Waits until everything sealed up to <paramref name="sequence"/> is acknowledged (or dropped), the timeout
    /// passes, or, with <paramref name="onlyWhileConnected"/>, the connection is down. Woken by each ack and each
    /// change of connection, never by polling.
    /// </summary>
    public async Task<bool> WaitAckedAsync(ulong sequence, TimeSpan timeout, bool onlyWhileConnected, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var changed = _outbox.Changed;
            if (_outbox.IsSettled(sequence))
            {
                return true;
            }

            if (onlyWhileConnected && !_connected)
            {
                return false;
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
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
        long started = _time.GetTimestamp();
        if (!await WaitAckedAsync(last, _options.DrainTimeout, onlyWhileConnected: false, CancellationToken.None).ConfigureAwait(false))
        {
            RemoteLog.DrainIncomplete(_logger, Run, PendingBatches, _options.SpoolDirectory is not null);
        }
        else if (_connected)
        {
            // Everything is acknowledged: the connection loop ends the call the clean way (the request side
            // completed, then the service's OK), so the service records a finished run and runs its end-of-run
            // checks. Cancelling the call here instead is what a dead worker looks like: `disconnected`, then a
            // critical alert. The ack that settled the drain did not wake the loop; this does.
            Wake();
            var left = _options.DrainTimeout - _time.GetElapsedTime(started);
            if (left > TimeSpan.Zero)
            {
                try
                {
                    await _loop.WaitAsync(left, _time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    RemoteLog.CloseIncomplete(_logger, Run);
                }
                catch (Exception)
                {
                    // The loop logs its own failures; the drain ends below either way.
                }
            }
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

    private void SealLocked()
    {
        if (_builder.Count == 0)
        {
            return;
        }

        int points = _builder.Count;
        if (_outbox.Add(_builder.Take(0), points))
        {
            Wake();
        }
    }

    private void Wake()
    {
        if (_work.CurrentCount == 0)
        {
            _work.Release();
        }
    }

    private async Task RunAsync()
    {
        while (!_abort.IsCancellationRequested && !(_draining && PendingBatches == 0))
        {
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

                if (ex is RpcException { StatusCode: StatusCode.InvalidArgument } rpc && _connected)
                {
                    _outbox.RefuseOldest(rpc.Status.Detail);
                }

                RemoteLog.ConnectionFailed(_logger, Run, ex.Message, ex);
            }
            finally
            {
                _connected = false;
                _outbox.Pulse();
            }

            if (_draining && PendingBatches == 0)
            {
                return;
            }

            try
            {
                await Task.Delay(_backoff.NextBackoff(), _time, _abort.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunConnectionAsync()
    {
        var open = new OpenStream
        {
            Project = _options.Project,
            Run = Run,
            Worker = _options.Worker,
            Host = _options.HostName ?? Environment.MachineName,
            StreamId = StreamId,
        };
        var connection = await IngestConnection.OpenAsync(_client, _headers, open, _options.OpenTimeout, _time, _outbox.Acknowledge, _abort.Token).ConfigureAwait(false);
        await using var _ = connection.ConfigureAwait(false);
        ulong sent = connection.HeldSequence;
        if (sent > _outbox.LastSequence)
        {
            // Another writer used this stream id: its sequences are not ours, and taking them as acks would drop
            // batches the service never got. Keep them, and say why nothing is sent.
            throw new InvalidOperationException($"The service holds stream '{StreamId}' up to sequence {sent}, beyond this writer's {_outbox.LastSequence}: another writer uses this stream id. Nothing was acknowledged; give each writer its own spool directory or stream id.");
        }

        _outbox.Acknowledge(sent);
        _outbox.FillAfter(sent);
        _connected = true;
        _outbox.Pulse();
        _backoff.Reset();
        RemoteLog.Connected(_logger, Run, StreamId, sent);
        try
        {
            while (true)
            {
                if (_outbox.NextAfter(sent) is { } next)
                {
                    await connection.SendAsync(_outbox.Load(next), connection.Ended).ConfigureAwait(false);
                    sent = next.Sequence;
                    continue;
                }

                if (_draining && PendingBatches == 0)
                {
                    await connection.CompleteAsync().ConfigureAwait(false);
                    return;
                }

                await _work.WaitAsync(connection.Ended).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (connection.Ended.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            // The service ended the call: report its reason, not the cancellation it caused here.
            throw await connection.WhenEndedAsync().ConfigureAwait(false) ?? new IOException("The service ended the stream.");
        }
    }
}
