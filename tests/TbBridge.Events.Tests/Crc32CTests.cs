using System.Text;
using TbBridge.Events.Internal;

namespace TbBridge.Events.Tests;

public class Crc32CTests
{
    public static TheoryData<byte[], uint> PublishedVectors => new()
    {
        { [], 0x00000000u },
        { Encoding.ASCII.GetBytes("123456789"), 0xE3069283u },                      // the CRC catalogue's check value
        { new byte[32], 0x8A9136AAu },                                              // RFC 3720 B.4: 32 bytes of zeros
        { Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43u },               // 32 bytes of ones
        { Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794Eu },    // incrementing
        { Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5Cu }, // decrementing
    };

    [Theory]
    [MemberData(nameof(PublishedVectors))]
    public void Compute_PublishedVector_MatchesPublishedCrc(byte[] data, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(data));

    [Fact]
    public void Compute_RandomData_MatchesBitwiseReference()
    {
        var random = new Random(7);
        for (int length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(BitwiseCrc32C(data), Crc32C.Compute(data));
        }
    }

    [Fact]
    public void Mask_ThenUnmask_ReturnsOriginal()
    {
        var random = new Random(3);
        for (int i = 0; i < 1000; i++)
        {
            uint crc = (uint)random.NextInt64(0, uint.MaxValue + 1L);
            Assert.Equal(crc, Crc32C.Unmask(Crc32C.Mask(crc)));
        }
    }

    [Fact]
    public void Mask_KnownValue_RotatesRight15AndAddsDelta()
    {
        // 0xE3069283 rotated right by 15 is 0x2507C60D; plus 0xa282ead8 (mod 2^32) is 0xC78AB0E5.
        Assert.Equal(0xC78AB0E5u, Crc32C.Mask(0xE3069283u));
    }

    /// <summary>The reflected polynomial 0x82F63B78, one bit at a time: an independent reference.</summary>
    private static uint BitwiseCrc32C(byte[] data)
    {
        uint crc = ~0u;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
