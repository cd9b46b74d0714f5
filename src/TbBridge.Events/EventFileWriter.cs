using Google.Protobuf;
using TbBridge.Events.Internal;
using TbBridge.Events.Protos;

namespace TbBridge.Events;

/// <summary>
/// Appends TFRecord-framed events to one event file, new (<see cref="Create"/>) or continued (<see cref="Open"/>). The first record is TensorBoard's
/// <c>file_version = "brain.Event:2"</c>. Appends are buffered; <see cref="Flush"/> hands them to the
/// operating system, <see cref="FlushToDisk"/> makes them durable, and disposing does both and closes.
/// One owner at a time: the writer is not thread-safe.
/// </summary>
public sealed class EventFileWriter : IDisposable, IAsyncDisposable
{
    /// <summary>The file version TensorBoard expects as the first record.</summary>
    public const string FileVersion = "brain.Event:2";

    private static int s_counter;
    private readonly FileStream _stream;
    private readonly byte[] _frame = new byte[TfRecord.HeaderLength];
    private bool _disposed;

    private EventFileWriter(FileStream stream)
    {
        _stream = stream;
    }

    /// <summary>Full path of the file being written.</summary>
    public string FilePath => _stream.Name;

    /// <summary>Bytes appended so far, the file header included.</summary>
    public long Length => _stream.Position;

    /// <summary>Creates <paramref name="directory"/> if needed and starts a new event file in it.</summary>
    public static EventFileWriter Create(string directory, EventFileWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new EventFileWriterOptions();
        Directory.CreateDirectory(directory);

        var now = options.TimeProvider.GetUtcNow();
        string host = options.HostName ?? Environment.MachineName;
        int pid = Environment.ProcessId;
        while (true)
        {
            int counter = Interlocked.Increment(ref s_counter) - 1;
            string path = Path.Combine(directory, EventFileNames.Create(now.ToUnixTimeSeconds(), host, pid, counter, options.FileNameSuffix));
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, options.BufferSize);
            }
            catch (IOException) when (File.Exists(path))
            {
                continue; // another writer took this name: take the next counter, never overwrite
            }

            var writer = new EventFileWriter(stream);
            var header = new Event { WallTime = (now - DateTimeOffset.UnixEpoch).TotalSeconds, FileVersion = FileVersion };
            writer.WriteEvent(header.ToByteArray());
            return writer;
        }
    }

    /// <summary>
    /// Continues the event file at <paramref name="path"/>: cuts it back to its first <paramref name="keepLength"/>
    /// bytes (what its writer made durable; anything after that was never acknowledged) and appends after them.
    /// A file that does not exist, or is kept at length 0, starts anew with its header. The directory is created if needed.
    /// </summary>
    public static EventFileWriter Open(string path, long keepLength, EventFileWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(keepLength);
        options ??= new EventFileWriterOptions();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read | FileShare.Delete, options.BufferSize);
        try
        {
            if (stream.Length < keepLength)
            {
                throw new InvalidDataException($"'{path}' is {stream.Length} bytes long, shorter than the {keepLength} bytes to keep.");
            }

            stream.SetLength(keepLength);
            stream.Seek(keepLength, SeekOrigin.Begin);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        var writer = new EventFileWriter(stream);
        if (keepLength == 0)
        {
            var now = options.TimeProvider.GetUtcNow();
            writer.WriteEvent(new Event { WallTime = (now - DateTimeOffset.UnixEpoch).TotalSeconds, FileVersion = FileVersion }.ToByteArray());
        }

        return writer;
    }

    /// <summary>A file name for a new event file in the usual form, without creating it (see <see cref="Open"/>).</summary>
    public static string NewFileName(EventFileWriterOptions? options = null)
    {
        options ??= new EventFileWriterOptions();
        int counter = Interlocked.Increment(ref s_counter) - 1;
        return EventFileNames.Create(options.TimeProvider.GetUtcNow().ToUnixTimeSeconds(), options.HostName ?? Environment.MachineName, Environment.ProcessId, counter, options.FileNameSuffix);
    }

    /// <summary>Appends one serialized <c>tensorboard.Event</c> as a TFRecord.</summary>
    public void WriteEvent(ReadOnlySpan<byte> serializedEvent)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TfRecord.WriteHeader(_frame, serializedEvent.Length);
        _stream.Write(_frame);
        _stream.Write(serializedEvent);
        TfRecord.WriteFooter(_frame, serializedEvent);
        _stream.Write(_frame.AsSpan(0, TfRecord.FooterLength));
    }


    /// <summary>Hands buffered records to the operating system (readers see them; a power loss may not).</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Flush(flushToDisk: false);
    }

    /// <summary>Flushes and waits until the records are on the storage device.</summary>
    public void FlushToDisk()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Flush(flushToDisk: true);
    }

    /// <summary>Flushes asynchronously; with <paramref name="toDisk"/> the records are durable when it completes.</summary>
    public async ValueTask FlushAsync(bool toDisk = false, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (toDisk)
        {
            _stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>Durable close: flushes to disk, then closes the file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            _stream.Flush(flushToDisk: true);
        }
        finally
        {
            _stream.Dispose();
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
