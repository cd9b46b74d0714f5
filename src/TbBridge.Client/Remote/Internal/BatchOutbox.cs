using Microsoft.Extensions.Logging;
using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>
/// What one stream owes the service, apart from any connection (Serilog's batching queue, OpenTelemetry's
/// export buffer): sealed batches numbered 1, 2, 3… in order, each held in memory while the memory budget
/// allows and in the spool when there is one; the ack cursor; and what was dropped, when, and why. The service
/// takes only the next sequence (the last it holds + 1), so no sequence is ever left out: a batch that fits
/// neither budget is dropped and counted before it is numbered, and a batch the service refused for its content
/// is replaced by an empty batch of the same sequence. Thread-safe: the writer's loop seals, the connection loop
/// sends and acknowledges.
/// </summary>
internal sealed class BatchOutbox
{
    private readonly string _run;
    private readonly BatchSpool? _spool;
    private readonly long _maxMemoryBytes;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly LinkedList<PendingBatch> _pending = new();
    private readonly Signal _changed = new();
    private long _memoryBytes;
    private ulong _lastSequence;
    private ulong _acknowledged;
    private long _acknowledgedPoints;
    private long _droppedPoints;

    /// <summary>An outbox that first takes back what <paramref name="spool"/> holds from an earlier process.</summary>
    public BatchOutbox(string run, BatchSpool? spool, IReadOnlyList<(ulong Sequence, PointBatch Batch, int Size)> left, long maxMemoryBytes, ILogger logger)
    {
        _run = run;
        _spool = spool;
        _maxMemoryBytes = maxMemoryBytes;
        _logger = logger;
        foreach (var (sequence, batch, size) in left)
        {
            // A batch refused while its successors were spooled left a hole: an empty batch keeps the numbering.
            while (_lastSequence != 0 && ++_lastSequence < sequence)
            {
                _pending.AddLast(Placeholder(_lastSequence));
            }

            _pending.AddLast(new PendingBatch(sequence, PointsOf(batch), size, null) { Spooled = true });
            _lastSequence = sequence;
        }
    }

    /// <summary>Completes at the next acknowledgement, drop or <see cref="Pulse"/>; take it before checking.</summary>
    public Task Changed => _changed.Next;

    /// <summary>The sequence of the newest sealed batch (0 before the first).</summary>
    public ulong LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _lastSequence;
            }
        }
    }

    /// <summary>The service's cumulative ack: every batch up to it is durable there.</summary>
    public ulong Acknowledged
    {
        get
        {
            lock (_gate)
            {
                return _acknowledged;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public long AcknowledgedPoints => Interlocked.Read(ref _acknowledgedPoints);

    public long DroppedPoints => Interlocked.Read(ref _droppedPoints);

    /// <summary>True when everything up to <paramref name="sequence"/> is acknowledged or dropped.</summary>
    public bool IsSettled(ulong sequence)
    {
        lock (_gate)
        {
            return _acknowledged >= sequence || _pending.First is null || _pending.First.Value.Sequence > sequence;
        }
    }

    /// <summary>
    /// Numbers <paramref name="batch"/> with the next sequence and keeps it until acknowledged: written to the
    /// spool when there is one and it has room, held in memory while the budget allows. False when it fit
    /// neither and was dropped: then its sequence is not used, and the next batch takes it.
    /// </summary>
    public bool Add(PointBatch batch, int points)
    {
        lock (_gate)
        {
            batch.Sequence = _lastSequence + 1;
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
                    RemoteLog.SpoolFailed(_logger, _run, ex);
                }
            }

            bool inMemory = _memoryBytes + size <= _maxMemoryBytes;
            if (!inMemory && !spooled)
            {
                Interlocked.Add(ref _droppedPoints, points);
                RemoteLog.BatchDropped(_logger, _run, batch.Sequence, points);
                return false;
            }

            if (inMemory)
            {
                _memoryBytes += size;
            }

            _lastSequence = batch.Sequence;
            _pending.AddLast(new PendingBatch(batch.Sequence, points, size, inMemory ? batch : null) { Spooled = spooled });
            return true;
        }
    }

    /// <summary>The oldest batch numbered above <paramref name="sequence"/>, or null.</summary>
    public PendingBatch? NextAfter(ulong sequence)
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

    /// <summary>
    /// After <paramref name="held"/> (what the service holds) every pending batch is above it; when the first one is not
    /// the next, the batches between were refused and their empty places lost with an earlier process: empty batches
    /// take them again, so the numbering the service expects has no hole.
    /// </summary>
    public void FillAfter(ulong held)
    {
        lock (_gate)
        {
            if (_pending.First is not { } first || first.Value.Sequence <= held + 1)
            {
                return;
            }

            for (ulong sequence = first.Value.Sequence - 1; sequence > held; sequence--)
            {
                _pending.AddFirst(Placeholder(sequence));
            }
        }
    }

    /// <summary>The message of a pending batch: from memory, else read back from the spool.</summary>
    public PointBatch Load(PendingBatch batch) => batch.Message ?? _spool!.Read(batch.Sequence);

    /// <summary>The service acknowledged every batch up to <paramref name="sequence"/>: release them.</summary>
    public void Acknowledge(ulong sequence)
    {
        lock (_gate)
        {
            if (sequence > _acknowledged)
            {
                _acknowledged = sequence;
            }

            while (_pending.First is { } first && first.Value.Sequence <= sequence)
            {
                Release(first.Value);
                Interlocked.Add(ref _acknowledgedPoints, first.Value.Points);
                _pending.RemoveFirst();
            }
        }

        _changed.Pulse();
    }

    /// <summary>
    /// The service refused the oldest unacknowledged batch's content: resending it would fail forever, so its points
    /// are dropped, counted and logged, and an empty batch of the same sequence takes its place (the batches after
    /// it keep their numbers, and the service takes only the next one).
    /// </summary>
    public void RefuseOldest(string reason)
    {
        lock (_gate)
        {
            if (_pending.First is not { } first || first.Value.Points == 0)
            {
                return;
            }

            Release(first.Value);
            Interlocked.Add(ref _droppedPoints, first.Value.Points);
            _pending.First.Value = Placeholder(first.Value.Sequence);
            RemoteLog.BatchRefused(_logger, _run, first.Value.Sequence, first.Value.Points, reason);
        }

        _changed.Pulse();
    }

    /// <summary>Wakes whoever waits on <see cref="Changed"/> (a connection came or went).</summary>
    public void Pulse() => _changed.Pulse();

    /// <summary>An empty batch in memory, in place of one whose points were dropped (its size is not counted: a few bytes).</summary>
    private static PendingBatch Placeholder(ulong sequence) => new(sequence, 0, 0, new PointBatch { Sequence = sequence });

    private static int PointsOf(PointBatch batch) => (batch.Scalars?.TagIndex.Count ?? 0) + batch.Histograms.Count + batch.Texts.Count + batch.Hparams.Count;

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
                RemoteLog.SpoolFailed(_logger, _run, ex);
            }
        }
    }
}
