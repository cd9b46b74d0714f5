using System.Buffers.Binary;

namespace TbBridge.Events.Internal;

/// <summary>
/// TFRecord framing: <c>uint64 length</c>, <c>uint32 masked_crc32c(length)</c>, <c>byte data[length]</c>,
/// <c>uint32 masked_crc32c(data)</c>, all little-endian.
/// </summary>
internal static class TfRecord
{
    public const int HeaderLength = 12;
    public const int FooterLength = 4;
    public const int Overhead = HeaderLength + FooterLength;

    /// <summary>Largest record the reader accepts; anything longer is treated as a damaged header.</summary>
    public const long MaxPayloadLength = 256L * 1024 * 1024;

    public static void WriteHeader(Span<byte> header, int payloadLength)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.ComputeMasked(header[..8]));
    }

    public static void WriteFooter(Span<byte> footer, ReadOnlySpan<byte> payload) =>
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.ComputeMasked(payload));

    /// <summary>Reads a header; false when its CRC does not match the length it carries.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out ulong payloadLength)
    {
        payloadLength = BinaryPrimitives.ReadUInt64LittleEndian(header);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        return Crc32C.ComputeMasked(header[..8]) == stored;
    }

    public static bool FooterMatches(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> footer) =>
        Crc32C.ComputeMasked(payload) == BinaryPrimitives.ReadUInt32LittleEndian(footer);
}
