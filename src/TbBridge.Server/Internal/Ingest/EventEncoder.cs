using Google.Protobuf;
using TbBridge.Events.Protos;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Serializes histograms and text as <c>tensorboard.Event</c> messages through the generated TensorBoard
/// types. Scalars, the hot path, go through <see cref="TbBridge.Events.ScalarEventEncoder"/> instead.
/// </summary>
internal static class EventEncoder
{
    /// <summary>The text plugin's name: TensorBoard's Text tab shows string tensors carrying it.</summary>
    public const string TextPluginName = "text";

    public static byte[] Histogram(string tag, HistogramPoint point)
    {
        var histogram = new HistogramProto
        {
            Min = point.Min,
            Max = point.Max,
            Num = point.Num,
            Sum = point.Sum,
            SumSquares = point.SumSquares,
        };
        histogram.BucketLimit.Add(point.BucketLimits);
        histogram.Bucket.Add(point.Buckets);
        var summary = new Summary();
        summary.Value.Add(new Summary.Types.Value { Tag = tag, Histo = histogram });
        return new Event { WallTime = point.WallTime, Step = point.Step, Summary = summary }.ToByteArray();
    }

    /// <summary>A text entry as TensorBoard's text summary writes it: a string tensor tagged for the text plugin.</summary>
    public static byte[] Text(string tag, long step, double wallTime, string text)
    {
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.StringVal.Add(ByteString.CopyFromUtf8(text));
        var value = new Summary.Types.Value
        {
            Tag = tag,
            Metadata = new SummaryMetadata { PluginData = new SummaryMetadata.Types.PluginData { PluginName = TextPluginName } },
            Tensor = tensor,
        };
        var summary = new Summary();
        summary.Value.Add(value);
        return new Event { WallTime = wallTime, Step = step, Summary = summary }.ToByteArray();
    }
}
