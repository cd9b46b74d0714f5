using Microsoft.Win32.SafeHandles;
using TbBridge.Events.Internal;

namespace TbBridge.Events;

/// <summary>
/// Streams the records of one event file, checking both CRCs of each. A file still being written is
/// fine: <see cref="ReadAvailable"/> stops before an incomplete last record and picks up from there when
/// called again after the file grew. Damage never throws: it is recorded in <see cref="Errors"/> (file,
/// offset, what is wrong) and the reader resynchronises on the next intact record header.
/// </summary>
public sealed class EventFileReader : IDisposable
{
    private const int DefaultBufferSize = 1 << 20;

    private readonly SafeFileHandle _handle;
    private readonly List<EventReadError> _errors = [];
    private byte[] _buffer = new byte[DefaultBufferSize];
    private long _bufferStart;
    private int _bufferLength;
    private long _position;
    private bool _resynchronising;

    /// <summary>Opens <paramref name="path"/> for reading, sharing it with a writer that may still append.</summary>
    public EventFileReader(string path)
        : this(path, 0)
    {
    }

    /// <summary>Opens <paramref name="path"/> for reading from <paramref name="offset"/>, which must be where a record starts.</summary>
    public EventFileReader(string path, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        FilePath = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        _position = offset;
        _bufferStart = offset;
    }

    /// <summary>Path of the file being read.</summary>
    public string FilePath { get; }

    /// <summary>File offset of the next record to read: everything before it has been returned or reported.</summary>
    public long Position => _position;

    /// <summary>Damage found so far, in file order.</summary>
    public IReadOnlyList<EventReadError> Errors => _errors;

    /// <summary>
    /// Returns every complete record from <see cref="Position"/> on. An incomplete last record is left for
    /// the next call (the file may still be growing); use <see cref="ReadToEnd"/> for a finished file.
    /// </summary>
    public IEnumerable<EventRecord> ReadAvailable()
    {
        while (TryReadNext(out var record))
        {
            yield return record;
        }
    }

    /// <summary>
    /// Like <see cref="ReadAvailable"/>, for a file that is complete: bytes left after the last complete
    /// record are reported as a truncated record.
    /// </summary>
    public IEnumerable<EventRecord> ReadToEnd()
    {
        foreach (var record in ReadAvailable())
        {
            yield return record;
        }

        long length = RandomAccess.GetLength(_handle);
        if (length > _position && !_resynchronising)
        {
            _errors.Add(new EventReadError(FilePath, _position,
                $"truncated record: the file ends {length - _position} bytes into it"));
            _position = length;
        }
    }

    private bool TryReadNext(out EventRecord record)
    {
        record = default;
        while (true)
        {
            if (_resynchronising && !Resynchronise())
            {
                return false;
            }

            long start = _position;
            if (!Ensure(start, TfRecord.HeaderLength))
            {
                return false;
            }

            var header = Slice(start, TfRecord.HeaderLength);
            bool intact = TfRecord.TryReadHeader(header, out ulong length);
            if (!intact || length > TfRecord.MaxPayloadLength)
            {
                _errors.Add(new EventReadError(FilePath, start, intact
                    ? $"record length {length} exceeds the {TfRecord.MaxPayloadLength}-byte limit"
                    : "corrupt record header: the length does not match its CRC"));
                _position = start + 1;
                _resynchronising = true;
                continue;
            }

            int payloadLength = (int)length;
            if (!Ensure(start, TfRecord.Overhead + payloadLength))
            {
                return false; // incomplete last record: wait for the writer
            }

            var payload = Slice(start + TfRecord.HeaderLength, payloadLength);
            var footer = Slice(start + TfRecord.HeaderLength + payloadLength, TfRecord.FooterLength);
            _position = start + TfRecord.Overhead + payloadLength;
            if (!TfRecord.FooterMatches(payload, footer))
            {
                _errors.Add(new EventReadError(FilePath, start, "corrupt record: the data does not match its CRC"));
                continue;
            }

            record = new EventRecord(start, payload.ToArray());
            return true;
        }
    }

    /// <summary>Advances <see cref="_position"/> to the next offset holding an intact record header.</summary>
    private bool Resynchronise()
    {
        while (Ensure(_position, TfRecord.HeaderLength))
        {
            if (TfRecord.TryReadHeader(Slice(_position, TfRecord.HeaderLength), out ulong length) && length <= TfRecord.MaxPayloadLength)
            {
                _resynchronising = false;
                return true;
            }

            _position++;
        }

        return false; // no header yet: the file may grow; keep scanning on the next call
    }

    private ReadOnlySpan<byte> Slice(long offset, int count) =>
        _buffer.AsSpan((int)(offset - _bufferStart), count);

    /// <summary>Makes the buffer hold [offset, offset + count); false when the file is shorter.</summary>
    private bool Ensure(long offset, int count)
    {
        if (offset >= _bufferStart && offset + count <= _bufferStart + _bufferLength)
        {
            return true;
        }

        if (count > _buffer.Length)
        {
            _buffer = new byte[Math.Max(count, _buffer.Length * 2)];
        }

        _bufferStart = offset;
        _bufferLength = 0;
        while (_bufferLength < _buffer.Length)
        {
            int read = RandomAccess.Read(_handle, _buffer.AsSpan(_bufferLength), offset + _bufferLength);
            if (read == 0)
            {
                break;
            }

            _bufferLength += read;
        }

        return _bufferLength >= count;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
