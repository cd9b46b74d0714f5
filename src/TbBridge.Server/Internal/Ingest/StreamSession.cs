using System.Text;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using TbBridge.Events;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// One connected stream: its event file (one per stream id, created at its first write and continued on resume),
/// the sequences written and made durable, and the acks owed to the client. The gRPC call appends; the group
/// committer flushes, fsyncs and completes acks. A failed write or commit ends the session, and the committer
/// rolls its file back to the last durable offset before anything else is written to it.
/// </summary>
internal sealed partial class StreamSession : IDisposable
{
    private readonly Func<StreamSession, EventFileWriter> _openFile;
    private readonly Lock _gate = new();
    private readonly Channel<ulong> _acks = Channel.CreateBounded<ulong>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly CancellationTokenSource _aborted = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly EventEncoder _encoder = new();
    private EventFileWriter? _writer;
    private SafeFileHandle? _syncHandle;
    private ulong _lastWritten;
    private ulong _lastDurable;
    private long _durableOffset;
    private bool _dirty;
    private bool _disposed;
    private int _closing;

    /// <param name="identity">Who writes.</param>
    /// <param name="path">The stream's event file, absolute.</param>
    /// <param name="relativeFile">The same, relative to the data directory.</param>
    /// <param name="lastDurable">The last durable sequence (0 for a new stream).</param>
    /// <param name="durableOffset">The file's durable length (0 when nothing of it is durable yet).</param>
    /// <param name="openFile">Opens the file for the first write, cut back to <see cref="DurableOffset"/> (the engine registers it first).</param>
    public StreamSession(StreamIdentity identity, string path, string relativeFile, ulong lastDurable, long durableOffset, Func<StreamSession, EventFileWriter> openFile)
    {
        Identity = identity;
        FilePath = path;
        RelativeFile = relativeFile;
        _lastWritten = lastDurable;
        _lastDurable = lastDurable;
        _durableOffset = durableOffset;
        _openFile = openFile;
    }

    public StreamIdentity Identity { get; }

    /// <summary>The owner epoch this replica claimed the stream under (a shared store; 0 otherwise). Every save carries it.</summary>
    public long Epoch { get; init; }

    /// <summary>What arrived since the last commit, for a shared run registry; null with a store of one service.</summary>
    public StreamProgress? Progress { get; init; }

    /// <summary>The clock of the commit markers' wall time.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>This stream's worker analysis; set by the engine right after creation.</summary>
    public WorkerAnalysis? Analysis { get; set; }

    /// <summary>The event file, absolute.</summary>
    public string FilePath { get; }

    /// <summary>The event file, relative to the data directory.</summary>
    public string RelativeFile { get; }

    /// <summary>Cancelled when the session must end: the service stopping, a failed write or commit, or the idle timeout.</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Set when the client closed its side of the call (a clean end), before the session is closed.</summary>
    public bool CompletedByClient { get; set; }

    /// <summary>Why the session was aborted, when it was.</summary>
    public string? AbortReason { get; private set; }

    /// <summary>Set when the stream's storage failed; the call ends with its status.</summary>
    public StreamRejectedException? Failure { get; private set; }

    /// <summary>Completes once the session is closed and its last commit is done.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Cumulative acks to send, latest only (older ones are implied by it).</summary>
    public ChannelReader<ulong> Acks => _acks.Reader;

    public ulong LastDurable => Volatile.Read(ref _lastDurable);

    /// <summary>The file's length at the last durable sequence.</summary>
    public long DurableOffset
    {
        get
        {
            lock (_gate)
            {
                return _durableOffset;
            }
        }
    }

    /// <summary>
    /// Writes a batch whose sequence is the last one this stream holds + 1 (refused otherwise, with nothing written).
    /// Returns the number of points written. An I/O error fails the session (see <see cref="Fail"/>) and is thrown.
    /// </summary>
    public int Append(IngestBatch batch)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Failure is not null)
            {
                throw Failure;
            }

            if (batch.Sequence is 0 or > long.MaxValue)
            {
                throw new StreamRejectedException(StreamRejection.InvalidBatch, $"Batch sequence {batch.Sequence} is out of range: sequences run from 1 to 2^63-1.");
            }

            if (batch.Sequence != _lastWritten + 1)
            {
                throw new StreamRejectedException(
                    StreamRejection.SequenceNotNext,
                    $"Batch {batch.Sequence} is not {_lastWritten + 1}, the sequence this stream expects ({_lastWritten} is the last it holds); nothing was written. Sequences rise by exactly one: a resumed stream goes on from StreamOpened.last_sequence + 1.");
            }

            var writer = Writer();
            WriteScalars(writer, batch);
            foreach (var h in batch.Histograms)
            {
                writer.WriteEvent(_encoder.Histogram(batch.Tags[h.TagIndex], h.Step, h.WallTime, h.Histogram));
            }

            foreach (var text in batch.Texts)
            {
                writer.WriteEvent(_encoder.Text(batch.Tags[text.TagIndex], text.Step, text.WallTime, text.Text));
            }

            foreach (var session in batch.Hparams)
            {
                foreach (byte[] record in _encoder.Hparams(session.Step, session.WallTime, session.Hparams))
                {
                    writer.WriteEvent(record);
                }
            }

            _lastWritten = batch.Sequence;
            _dirty = true;
            return batch.PointCount;
        }
    }

    /// <summary>Writes a text entry that belongs to no batch (an alert); it becomes durable with the next commit.</summary>
    /// <remarks>
    /// A storage error fails the session (its call ends with the error's status, and the engine rolls the file back
    /// when it closes it) without throwing: the alert is still published, and the worker's log restates it later.
    /// </remarks>
    public void AppendText(string tag, long step, double wallTime, string text)
    {
        lock (_gate)
        {
            if (_disposed || Failure is not null)
            {
                return;
            }

            try
            {
                Writer().WriteEvent(_encoder.Text(tag, step, wallTime, text));
                _dirty = true;
                return;
            }
            catch (Exception ex) when (StorageErrors.IsStorageError(ex))
            {
                Failure = StorageErrors.ToRejection(ex);
            }
        }

        Abort(Failure.Message);
    }

    /// <summary>True for the first caller only: a session is closed once.</summary>
    public bool TryBeginClose() => Interlocked.Exchange(ref _closing, 1) == 0;

    /// <summary>Ends the session because its storage failed: nothing more is written, and the call ends with the failure's status.</summary>
    public void Fail(Exception error)
    {
        lock (_gate)
        {
            Failure ??= StorageErrors.ToRejection(error);
        }

        Abort(Failure.Message);
    }

    public void Abort(string reason)
    {
        AbortReason ??= reason;
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private EventFileWriter Writer()
    {
        if (_writer is null)
        {
            _writer = _openFile(this);
            _syncHandle = File.OpenHandle(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _dirty = true; // a new file's header, or the cut of a continued one, is not durable yet
        }

        return _writer;
    }

    private void WriteScalars(EventFileWriter writer, IngestBatch batch)
    {
        var scalars = batch.Scalars;
        if (scalars.Count == 0)
        {
            return;
        }

        var tagBytes = new byte[batch.Tags.Length][];
        for (int i = 0; i < tagBytes.Length; i++)
        {
            tagBytes[i] = Encoding.UTF8.GetBytes(batch.Tags[i]);
        }

        for (int i = 0; i < scalars.Count; i++)
        {
            writer.WriteEvent(_encoder.Scalar(tagBytes[scalars.TagIndex[i]], scalars.Steps[i], scalars.WallTimes[i], scalars.Values[i]));
        }
    }
}
