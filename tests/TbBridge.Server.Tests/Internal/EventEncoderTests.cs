using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Tests.Internal;

public sealed class EventEncoderTests
{
    public static TheoryData<string, long, double, double> Scalars => new()
    {
        { "loss", 0, 0.5, 1_700_000_000.25 },
        { "train/loss", 1L << 40, -3.25, 0 },
        { "x", -1, double.NaN, 1.5 },
        { "inf", 7, double.PositiveInfinity, 2.5 },
        { new string('t', 300), long.MaxValue, 1e30, 3.5 }, // a two-byte length varint
        { "métrique/ß/日本", long.MinValue, -0.0, double.MaxValue },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void WriteScalar_AnyTagStepAndValue_IsByteForByteWhatTheGeneratedEventWrites(string tag, long step, double value, double wallTime)
    {
        var summary = new Summary();
        summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        byte[] expected = new Event { WallTime = wallTime, Step = step, Summary = summary }.ToByteArray();

        byte[] tagBytes = System.Text.Encoding.UTF8.GetBytes(tag);
        var buffer = new byte[EventEncoder.MaxScalarSize(tagBytes.Length)];
        int length = EventEncoder.WriteScalar(buffer, wallTime, step, tagBytes, value);

        // proto3 leaves zero fields out; the hand encoder always writes wall_time and step. Both parse the same.
        var parsed = Event.Parser.ParseFrom(buffer.AsSpan(0, length));
        Assert.Equal(Event.Parser.ParseFrom(expected), parsed);
        if (wallTime != 0 && step != 0)
        {
            Assert.Equal(expected, buffer.AsSpan(0, length).ToArray());
        }
    }

    [Fact]
    public void Text_Markdown_IsAStringTensorForTheTextPlugin()
    {
        var parsed = Event.Parser.ParseFrom(EventEncoder.Text("tbbridge/alerts", 12, 3.5, "**critical** `nan_inf`"));
        var value = Assert.Single(parsed.Summary.Value);
        Assert.Equal(("tbbridge/alerts", 12L, 3.5), (value.Tag, parsed.Step, parsed.WallTime));
        Assert.Equal("text", value.Metadata.PluginData.PluginName);
        Assert.Equal(DataType.DtString, value.Tensor.Dtype);
        Assert.Equal("**critical** `nan_inf`", Assert.Single(value.Tensor.StringVal).ToStringUtf8());
    }
}
