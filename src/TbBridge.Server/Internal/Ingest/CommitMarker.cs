using System.Globalization;
using System.Text;
using TbBridge.Events;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// The record each group commit appends to a committed stream's file before its fsync: a <c>log_message</c> event
/// (level DEBUGGING, no summary, so TensorBoard skips it) saying <c>tbbridge:commit &lt;stream id&gt; &lt;sequence&gt;</c>.
/// Everything up to the end of a complete marker was fsynced as one commit, so the file proves what it holds even
/// when tbbridge.db is older than it or gone.
/// </summary>
internal static class CommitMarker
{
    public const string Prefix = "tbbridge:commit ";

    private static readonly byte[] s_prefixUtf8 = Encoding.UTF8.GetBytes(Prefix);

    public static string Message(string streamId, ulong sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{streamId} {sequence}");

    /// <summary>
    /// The last complete marker of <paramref name="streamId"/> in the file from <paramref name="offset"/> (a record
    /// boundary) on: the sequence it names and the offset its record ends at; null when there is none.
    /// </summary>
    public static (ulong Sequence, long End)? FindLast(string path, string streamId, long offset)
    {
        if (!File.Exists(path) || new FileInfo(path).Length <= offset)
        {
            return null;
        }

        (ulong, long)? last = null;
        using var reader = new EventFileReader(path, offset);
        foreach (var record in reader.ReadAvailable())
        {
            var payload = record.Payload.Span;
            if (payload.IndexOf(s_prefixUtf8) >= 0
                && EventDecoder.TryReadLogMessage(payload, out string? message)
                && TryParse(message, streamId, out ulong sequence))
            {
                last = (sequence, reader.Position);
            }
        }

        return last;
    }

    private static bool TryParse(string message, string streamId, out ulong sequence)
    {
        sequence = 0;
        int space = message.LastIndexOf(' ');
        return message.StartsWith(Prefix, StringComparison.Ordinal)
            && space == Prefix.Length + streamId.Length
            && message.AsSpan(Prefix.Length, streamId.Length).SequenceEqual(streamId)
            && ulong.TryParse(message.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
            && sequence > 0;
    }
}
