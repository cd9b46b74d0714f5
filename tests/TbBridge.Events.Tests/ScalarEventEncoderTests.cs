using Google.Protobuf;
using TbBridge.Events.Internal;
using TbBridge.Events.Protos;

namespace TbBridge.Events.Tests;

public class ScalarEventEncoderTests
{
    public static TheoryData<string, long, double, float> Scalars => new()
    {
        { "loss", 0, 1_700_000_000.25, 0.5f },
        { "train/loss", 1L << 40, 0, -3.25f },
        { "x", -1, 1.5, float.PositiveInfinity },
        { "inf", 7, 2.5, float.NegativeInfinity },
        { new string('t', 300), long.MaxValue, 3.5, 1e30f }, // a two-byte length varint
        { "métrique/ß/日本", long.MinValue, double.MaxValue, -0f },
        { "zero", 0, -0.0, 0f },                                // Google.Protobuf leaves -0.0 out like +0.0
        { "", 5, double.NaN, float.Epsilon },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Write_AnyTagStepAndValue_IsByteForByteWhatTheGeneratedEventWrites(string tag, long step, double wallTime, float value)
    {
        byte[] expected = new Event
        {
            WallTime = wallTime,
            Step = step,
            Summary = new Summary { Value = { new Summary.Types.Value { Tag = tag, SimpleValue = value } } },
        }.ToByteArray();
        byte[] tagUtf8 = System.Text.Encoding.UTF8.GetBytes(tag);
        var buffer = new byte[ScalarEventEncoder.MaxLength(tagUtf8.Length)];

        int length = ScalarEventEncoder.Write(buffer, tagUtf8, step, wallTime, value);

        Assert.Equal(expected, buffer.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void Write_NaN_WritesPythonsNaNBits()
    {
        byte[] tag = "nan"u8.ToArray();
        var buffer = new byte[ScalarEventEncoder.MaxLength(tag.Length)];

        int length = ScalarEventEncoder.Write(buffer, tag, 1, 1.0, (float)double.NaN); // .NET's NaN narrows to 0xFFC00000

        float written = Event.Parser.ParseFrom(buffer.AsSpan(0, length)).Summary.Value[0].SimpleValue;
        Assert.Equal(0x7FC00000u, BitConverter.SingleToUInt32Bits(written));
    }

    [Fact]
    public void Write_DestinationTooShort_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => ScalarEventEncoder.Write(new byte[10], "loss"u8, 1, 1.0, 1f));
    }
}
