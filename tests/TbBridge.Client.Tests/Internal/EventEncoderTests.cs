using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Internal;

namespace TbBridge.Client.Tests.Internal;

public class EventEncoderTests
{
    [Theory]
    [InlineData("loss", 0L, 0.0, 0f)]
    [InlineData("train/loss", 1L, 1795368813.123456, 0.25f)]
    [InlineData("ü/ñ", -3L, 1.5, float.NaN)]
    [InlineData("x", long.MaxValue, 1e9, float.NegativeInfinity)]
    [InlineData("long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag", 300L, 2.0, -1e-30f)]
    public void EncodeScalar_IsByteForByteWhatProtobufWrites(string tag, long step, double wallTime, float value)
    {
        var encoder = new EventEncoder();
        float expectedValue = float.IsNaN(value) ? BitConverter.UInt32BitsToSingle(0x7FC00000) : value; // Python's NaN, not .NET's negative one
        var expected = new Event { WallTime = wallTime, Step = step, Summary = new Summary { Value = { new Summary.Types.Value { Tag = tag, SimpleValue = expectedValue } } } };

        byte[] actual = encoder.EncodeScalar(tag, step, wallTime, value).ToArray();

        Assert.Equal(expected.ToByteArray(), actual);
        Assert.Equal(expected, Event.Parser.ParseFrom(actual));
    }

    [Fact]
    public void EncodeScalar_ReusesItsBuffer_ForManyTags()
    {
        var encoder = new EventEncoder();
        for (int i = 0; i < 10_000; i++)
        {
            string tag = "t" + i;
            var e = Event.Parser.ParseFrom(encoder.EncodeScalar(tag, i, 1.0, i).ToArray());
            Assert.Equal(tag, e.Summary.Value[0].Tag);
            Assert.Equal(i, e.Step);
        }
    }
}
