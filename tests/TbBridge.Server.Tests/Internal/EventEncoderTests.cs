using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Tests.Internal;

public sealed class EventEncoderTests
{
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
