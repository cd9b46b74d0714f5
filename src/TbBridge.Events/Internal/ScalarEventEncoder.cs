using System.Buffers.Binary;

namespace TbBridge.Events.Internal;

/// <summary>
/// Encodes a scalar event for <see cref="EventEncoder.Scalar(ReadOnlySpan{byte}, long, double, double)"/>, <c>Event{wall_time=1, step=2, summary=5{value=1{tag=1, simple_value=2}}}</c>, straight
/// into a span, byte for byte what the generated protobuf code writes. Scalars are by far the most frequent
/// record (millions a second in the service), and this path allocates nothing; tests cross-check it against
/// the generated <c>tensorboard.Event</c> for every kind of tag, step and value. Like PyTorch, the value is a
/// float32, and a NaN is written with Python's bits (0x7FC00000; .NET's <c>double.NaN</c> narrows to a negative NaN).
/// </summary>
internal static class ScalarEventEncoder
{
    private const uint CanonicalNaNBits = 0x7FC00000;

    /// <summary>The most bytes <see cref="Write"/> needs for a tag of <paramref name="tagUtf8Length"/> UTF-8 bytes.</summary>
    public static int MaxLength(int tagUtf8Length) => 9 + 11 + 6 + 6 + (6 + tagUtf8Length) + 5;

    /// <summary>Writes one scalar event into <paramref name="destination"/> and returns its length.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="MaxLength"/> requires.</exception>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> tagUtf8, long step, double wallTime, float value)
    {
        if (destination.Length < MaxLength(tagUtf8.Length))
        {
            throw new ArgumentException($"need {MaxLength(tagUtf8.Length)} bytes for this tag", nameof(destination));
        }

        int tagFieldLength = tagUtf8.IsEmpty ? 0 : 1 + VarintLength((uint)tagUtf8.Length) + tagUtf8.Length; // proto3 leaves "" out
        int valueLength = tagFieldLength + 5;
        int summaryLength = 1 + VarintLength((uint)valueLength) + valueLength;
        int p = 0;
        if (wallTime != 0)
        {
            destination[p++] = 0x09; // wall_time, fixed64; proto3 (and Google.Protobuf for -0.0) leaves zero out
            BinaryPrimitives.WriteDoubleLittleEndian(destination[p..], wallTime);
            p += 8;
        }

        if (step != 0)
        {
            destination[p++] = 0x10; // step, varint
            p += WriteVarint(destination[p..], (ulong)step);
        }

        destination[p++] = 0x2A; // summary, length-delimited
        p += WriteVarint(destination[p..], (uint)summaryLength);
        destination[p++] = 0x0A; // Summary.value
        p += WriteVarint(destination[p..], (uint)valueLength);
        if (!tagUtf8.IsEmpty)
        {
            destination[p++] = 0x0A; // Value.tag
            p += WriteVarint(destination[p..], (uint)tagUtf8.Length);
            tagUtf8.CopyTo(destination[p..]);
            p += tagUtf8.Length;
        }

        destination[p++] = 0x15; // Value.simple_value, fixed32: a oneof member, so written even when 0
        BinaryPrimitives.WriteUInt32LittleEndian(destination[p..], float.IsNaN(value) ? CanonicalNaNBits : BitConverter.SingleToUInt32Bits(value));
        return p + 4;
    }

    private static int VarintLength(ulong value) => value == 0 ? 1 : ((63 - System.Numerics.BitOperations.LeadingZeroCount(value)) / 7) + 1;

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
