using System.Buffers.Binary;
using Google.Protobuf;
using TbBridge.Events.Protos;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Serializes points as <c>tensorboard.Event</c> messages. Scalars are the hot path (a million a second),
/// so they are encoded by hand straight into a span, field for field what the generated code writes:
/// <c>Event{wall_time=1, step=2, summary=5{value=1{tag=1, simple_value=2}}}</c>. Histograms and text are
/// rare and go through the generated TensorBoard messages.
/// </summary>
internal static class EventEncoder
{
    /// <summary>The text plugin's name: TensorBoard's Text tab shows string tensors carrying it.</summary>
    public const string TextPluginName = "text";

    /// <summary>Upper bound of <see cref="WriteScalar"/>'s output for a tag of <paramref name="tagBytes"/> UTF-8 bytes.</summary>
    public static int MaxScalarSize(int tagBytes) => 9 + 11 + (1 + 5) + (1 + 5) + (1 + 5 + tagBytes) + 5;

    /// <summary>Writes one scalar event into <paramref name="destination"/> and returns its length.</summary>
    public static int WriteScalar(Span<byte> destination, double wallTime, long step, ReadOnlySpan<byte> tagUtf8, double value)
    {
        int tagLength = tagUtf8.Length;
        int valueLength = 1 + VarintSize((ulong)tagLength) + tagLength + 5;
        int summaryLength = 1 + VarintSize((ulong)valueLength) + valueLength;

        int p = 0;
        destination[p++] = 0x09; // wall_time, fixed64
        BinaryPrimitives.WriteDoubleLittleEndian(destination[p..], wallTime);
        p += 8;
        destination[p++] = 0x10; // step, varint
        p += WriteVarint(destination[p..], (ulong)step);
        destination[p++] = 0x2A; // summary, length-delimited
        p += WriteVarint(destination[p..], (ulong)summaryLength);
        destination[p++] = 0x0A; // summary.value, length-delimited
        p += WriteVarint(destination[p..], (ulong)valueLength);
        destination[p++] = 0x0A; // value.tag
        p += WriteVarint(destination[p..], (ulong)tagLength);
        tagUtf8.CopyTo(destination[p..]);
        p += tagLength;
        destination[p++] = 0x15; // value.simple_value, fixed32
        BinaryPrimitives.WriteSingleLittleEndian(destination[p..], (float)value);
        return p + 4;
    }

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

    private static int VarintSize(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

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
