using System.Text;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using TbBridge.Events;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// One connected stream: its own event file, the sequences written and made durable, and the acks owed to
/// the client. The gRPC call appends; the group committer flushes, fsyncs and completes acks.
/// </summary>
internal sealed partial class StreamSession : IDisposable
{
    private readonly EventFileWriter _writer;
    private readonly SafeFileHandle _syncHandle;
    private readonly Lock _gate = new();
    private readonly Channel<ulong> _acks = Channel.CreateBounded<ulong>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly CancellationTokenSource _aborted = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly EventEncoder _encoder = new();
    private ulong _lastWritten;
    private ulong _lastDurable;
    private bool _dirty = true; // the new file's header is not durable yet
    private bool _disposed;

    public StreamSession(StreamIdentity identity, EventFileWriter writer, string relativeFile, ulong lastDurable)
    {
        Identity = identity;
        _writer = writer;
        RelativeFile = relativeFile;
        _lastWritten = lastDurable;
        _lastDurable = lastDurable;
        _syncHandle = File.OpenHandle(writer.FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    public StreamIdentity Identity { get; }

    /// <summary>This stream's analysis; set once by the engine right after creation.</summary>
    public IStreamAnalysis? Analysis { get; set; }

    /// <summary>The event file, relative to the data directory.</summary>
    public string RelativeFile { get; }

    /// <summary>Cancelled when the session must end: taken over by a reconnect, the service stopping, or a failed commit.</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Set when the client closed its side of the call (a clean end), before the session is closed.</summary>
    public bool CompletedByClient { get; set; }

    /// <summary>Why the session was aborted, when it was.</summary>
    public string? AbortReason { get; private set; }

    /// <summary>Completes once the session is closed and its last commit is done.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Cumulative acks to send, latest only (older ones are implied by it).</summary>
    public ChannelReader<ulong> Acks => _acks.Reader;

    public ulong LastDurable => Volatile.Read(ref _lastDurable);

    /// <summary>
    /// Writes a batch unless its sequence was already written (a resend), in which case nothing is written.
    /// Returns the number of points written.
    /// </summary>
    public int Append(IngestBatch batch, out bool duplicate)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (batch.Sequence <= _lastWritten)
            {
                duplicate = true;
                if (batch.Sequence <= _lastDurable)
                {
                    _acks.Writer.TryWrite(_lastDurable);
                }

                return 0;
            }

            duplicate = false;
            WriteScalars(batch);
            foreach (var h in batch.Histograms)
            {
                _writer.WriteEvent(_encoder.Histogram(batch.Tags[h.TagIndex], h.Step, h.WallTime, h.Histogram));
            }

            foreach (var text in batch.Texts)
            {
                _writer.WriteEvent(_encoder.Text(batch.Tags[text.TagIndex], text.Step, text.WallTime, text.Text));
            }

            foreach (var session in batch.Hparams)
            {
                foreach (byte[] record in _encoder.Hparams(session.Step, session.WallTime, session.Hparams))
                {
                    _writer.WriteEvent(record);
                }
            }

            _lastWritten = batch.Sequence;
            _dirty = true;
            return batch.PointCount;
        }
    }

    /// <summary>Writes a text entry that belongs to no batch (an alert); it becomes durable with the next commit.</summary>
    public void AppendText(string tag, long step, double wallTime, string text)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _writer.WriteEvent(_encoder.Text(tag, step, wallTime, text));
            _dirty = true;
        }
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

    private void WriteScalars(IngestBatch batch)
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
            _writer.WriteEvent(_encoder.Scalar(tagBytes[scalars.TagIndex[i]], scalars.Steps[i], scalars.WallTimes[i], scalars.Values[i]));
        }
    }
}
