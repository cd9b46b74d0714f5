using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Events.Protos.Hparams;

namespace TbBridge.Events.Tests;

public class EventEncoderTests
{
    [Theory]
    [InlineData("loss", 0L, 0.0, 0f)]
    [InlineData("train/loss", 1L, 1795368813.123456, 0.25f)]
    [InlineData("ü/ñ", -3L, 1.5, float.NaN)]
    [InlineData("x", long.MaxValue, 1e9, float.NegativeInfinity)]
    [InlineData("long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag-long-tag", 300L, 2.0, -1e-30f)]
    public void Scalar_IsByteForByteWhatProtobufWrites(string tag, long step, double wallTime, float value)
    {
        var encoder = new EventEncoder();
        float expectedValue = float.IsNaN(value) ? BitConverter.UInt32BitsToSingle(0x7FC00000) : value; // Python's NaN, not .NET's negative one
        var expected = new Event { WallTime = wallTime, Step = step, Summary = new Summary { Value = { new Summary.Types.Value { Tag = tag, SimpleValue = expectedValue } } } };

        byte[] actual = encoder.Scalar(tag, step, wallTime, value).ToArray();

        Assert.Equal(expected.ToByteArray(), actual);
        Assert.Equal(expected.ToByteArray(), encoder.Scalar(System.Text.Encoding.UTF8.GetBytes(tag), step, wallTime, value).ToArray());
    }

    [Fact]
    public void Scalar_ManyTags_ReusesItsBufferAndStaysCorrect()
    {
        var encoder = new EventEncoder();
        for (int i = 0; i < 10_000; i++)
        {
            string tag = "t" + i;
            var e = Event.Parser.ParseFrom(encoder.Scalar(tag, i, 1.0, i).ToArray());
            Assert.Equal(tag, e.Summary.Value[0].Tag);
            Assert.Equal(i, e.Step);
        }
    }

    [Fact]
    public void Text_Markdown_IsPyTorchsOneElementStringTensorForTheTextPlugin()
    {
        var parsed = Event.Parser.ParseFrom(new EventEncoder().Text(EventEncoder.TextTag("notes"), 12, 3.5, "**critical** `nan_inf`").ToArray());

        var value = Assert.Single(parsed.Summary.Value);
        Assert.Equal(("notes/text_summary", 12L, 3.5), (value.Tag, parsed.Step, parsed.WallTime));
        Assert.Equal("text", value.Metadata.PluginData.PluginName);
        Assert.Equal(Protos.DataType.DtString, value.Tensor.Dtype);
        Assert.Equal(1, Assert.Single(value.Tensor.TensorShape.Dim).Size);
        Assert.Equal("**critical** `nan_inf`", Assert.Single(value.Tensor.StringVal).ToStringUtf8());
    }

    [Fact]
    public void Histogram_KeepsEveryFieldAndBucket()
    {
        var histogram = new HistogramValue(-1, 1, 4, 0.5, 2.5, [-0.5, 0, 0.5, 1], [1, 1, 1, 1]);

        var parsed = Event.Parser.ParseFrom(new EventEncoder().Histogram("hist/raw", 7, 2.25, histogram).ToArray());

        var h = Assert.Single(parsed.Summary.Value).Histo;
        Assert.Equal((-1.0, 1.0, 4.0, 0.5, 2.5), (h.Min, h.Max, h.Num, h.Sum, h.SumSquares));
        Assert.Equal([-0.5, 0, 0.5, 1], h.BucketLimit);
        Assert.Equal([1.0, 1, 1, 1], h.Bucket);
        Assert.Equal((7L, 2.25), (parsed.Step, parsed.WallTime));
    }

    [Fact]
    public void Hparams_AreThePluginsThreeRecordsInPyTorchsOrder()
    {
        var data = new HparamsData([new("lr", 0.01), new("optimizer", "adam"), new("nesterov", true)], ["hparam/loss"]);

        var records = new EventEncoder().Hparams(0, 1.5, data).Select(r => Event.Parser.ParseFrom(r).Summary.Value.Single()).ToArray();

        Assert.Equal([HparamsData.ExperimentTag, HparamsData.SessionStartInfoTag, HparamsData.SessionEndInfoTag], records.Select(r => r.Tag));
        Assert.All(records, r => Assert.Equal("hparams", r.Metadata.PluginData.PluginName));
        var experiment = HParamsPluginData.Parser.ParseFrom(records[0].Metadata.PluginData.Content).Experiment;
        Assert.Equal(["lr", "optimizer", "nesterov"], experiment.HparamInfos.Select(i => i.Name));
        Assert.Equal("hparam/loss", Assert.Single(experiment.MetricInfos).Name.Tag);
        var start = HParamsPluginData.Parser.ParseFrom(records[1].Metadata.PluginData.Content).SessionStartInfo;
        Assert.Equal((0.01, "adam", true), (start.Hparams["lr"].NumberValue, start.Hparams["optimizer"].StringValue, start.Hparams["nesterov"].BoolValue));
        Assert.Equal(Status.Success, HParamsPluginData.Parser.ParseFrom(records[2].Metadata.PluginData.Content).SessionEndInfo.Status);
    }
}
