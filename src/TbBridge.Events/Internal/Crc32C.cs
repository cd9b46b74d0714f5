using System.Buffers.Binary;
using System.Numerics;

namespace TbBridge.Events.Internal;

/// <summary>
/// CRC-32C (Castagnoli), as TFRecord framing uses it, on the CPU's CRC32 instruction
/// (<see cref="BitOperations.Crc32C(uint, ulong)"/> falls back to a table where there is none).
/// </summary>
internal static class Crc32C
{
    private const uint MaskDelta = 0xa282ead8u;

    /// <summary>The standard CRC-32C of <paramref name="data"/> (initial and final inversion applied).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>TFRecord's masked CRC: rotate right by 15 bits, then add a constant.</summary>
    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + MaskDelta;

    public static uint Unmask(uint masked)
    {
        uint rotated = masked - MaskDelta;
        return (rotated >> 17) | (rotated << 15);
    }

    public static uint ComputeMasked(ReadOnlySpan<byte> data) => Mask(Compute(data));
}
