using Grpc.Core;
using Microsoft.Extensions.Logging;
using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>
/// One run's stream to the service: builds batches, numbers them, keeps them until acked (memory and
/// spool), and runs the connection loop: open (learning the last sequence the service holds), send every
/// batch after it, follow the acks, and on any failure reconnect with exponential backoff and jitter.
/// </summary>
internal sealed partial class RemoteStream
{
    private readonly RemoteSinkOptions _options;
    private readonly IngestService.IngestServiceClient _client;
    private readonly Metadata _headers;
    private readonly BatchSpool? _spool;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly LinkedList<PendingBatch> _pending = new();
    private readonly BatchBuilder _builder = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _abort = new();
    private TaskCompletionSource _ackChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _memoryBytes;
    private ulong _nextSequence;
    private ulong _acked;
    private long _ackedPoints;
    private long _droppedPoints;
    private int _failures;
    private volatile bool _draining;
    private volatile bool _connected;
    private Task _loop = Task.CompletedTask;

    public RemoteStream(RemoteSinkOptions options, string run, IngestService.IngestServiceClient client, Metadata headers, ILogger logger)
    {
        _options = options;
        Run = run;
        _client = client;
        _headers = headers;
        _logger = logger;
        _time = options.TimeProvider;
        if (options.SpoolDirectory is { } root)
        {
            var (spool, left) = BatchSpool.Open(root, options.Project, run, options.Worker, options.MaxSpoolBytes);
            _spool = spool;
            StreamId = spool.StreamId;
            foreach (var (sequence, batch, size) in left)
            {
                int points = batch.Scalars.TagIndex.Count + batch.Histograms.Count + batch.Texts.Count;
                _pending.AddLast(new PendingBatch(sequence, points, size, null) { Spooled = true });
                _nextSequence = sequence;
            }

            if (left.Count > 0)
            {
                RemoteLog.ReplayingSpool(_logger, run, left.Count);
            }
        }
        else
        {
            StreamId = Guid.NewGuid().ToString("N");
        }
    }

    public string Run { get; }

    public string StreamId { get; }

    public bool IsConnected => _connected;

    public long AcknowledgedPoints => Interlocked.Read(ref _ackedPoints);

    public long DroppedPoints => Interlocked.Read(ref _droppedPoints);

    public ulong AcknowledgedSequence
    {
        get
        {
            lock (_gate)
            {
                return _acked;
            }
        }
    }

    public int PendingBatches
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

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

    /// <summary>Seals the batch being built and returns the last sequence handed to the connection loop.</summary>
    public ulong Seal()
    {
        lock (_gate)
        {
            SealLocked();
            return _nextSequence;
        }
    }

    private void SealLocked()
    {
        if (_builder.Count == 0)
        {
            return;
        }

        int points = _builder.Count;
        var batch = _builder.Take(++_nextSequence);
        int size = batch.CalculateSize();
        bool spooled = false;
        if (_spool is not null)
        {
            try
            {
                spooled = _spool.TryWrite(batch, size);
            }
            catch (IOException ex)
            {
                RemoteLog.SpoolFailed(_logger, Run, ex);
            }
        }

        bool inMemory = _memoryBytes + size <= _options.MaxBufferedBytes;
        if (!inMemory && !spooled)
        {
            Interlocked.Add(ref _droppedPoints, points);
            RemoteLog.BatchDropped(_logger, Run, batch.Sequence, points);
            return; // the sequence stays used: the service only needs sequences to grow
        }

        if (inMemory)
        {
            _memoryBytes += size;
        }

        _pending.AddLast(new PendingBatch(batch.Sequence, points, size, inMemory ? batch : null) { Spooled = spooled });
        Wake();
    }

    private void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }
}
