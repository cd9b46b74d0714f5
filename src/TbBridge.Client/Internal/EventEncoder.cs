using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Events.Protos.Hparams;

namespace TbBridge.Internal;

/// <summary>
/// Serializes points as <c>tensorboard.Event</c> messages in the layout PyTorch's writer uses (checked
/// against the reference records): scalars as <c>simple_value</c>, histograms as <c>histo</c>, text as
/// the text plugin's DT_STRING tensor under <c>&lt;tag&gt;/text_summary</c>, hparams as the hparams
/// plugin's three records. Scalars, by far the most frequent, are encoded by hand into a reused buffer
/// with cached UTF-8 tags: no allocation per point. One encoder per thread.
/// </summary>
internal sealed class EventEncoder
{
    private const int MaxCachedTags = 4096;
    private readonly Dictionary<string, byte[]> _tagBytes = new(StringComparer.Ordinal);
    private static readonly float CanonicalNaN = BitConverter.UInt32BitsToSingle(0x7FC00000);
    private byte[] _buffer = new byte[256];

    /// <summary>The tag suffix and plugin PyTorch and TensorBoard use for text.</summary>
    internal const string TextTagSuffix = "/text_summary";

    /// <summary>Encodes a scalar event; the span is valid until the next call.</summary>
    internal ReadOnlySpan<byte> EncodeScalar(string tag, long step, double wallTime, float value)
    {
        byte[] tagUtf8 = TagBytes(tag);
        int valueLength = 1 + VarintLength((ulong)tagUtf8.Length) + tagUtf8.Length + 5;
        int summaryLength = 1 + VarintLength((ulong)valueLength) + valueLength;
        int total = (wallTime != 0 ? 9 : 0) + (step != 0 ? 1 + VarintLength((ulong)step) : 0) + 1 + VarintLength((ulong)summaryLength) + summaryLength;
        if (_buffer.Length < total)
        {
            _buffer = new byte[Math.Max(total, _buffer.Length * 2)];
        }

        var span = _buffer.AsSpan();
        int p = 0;
        if (wallTime != 0)
        {
            span[p++] = 0x09; // field 1 wall_time, fixed64
            BinaryPrimitives.WriteDoubleLittleEndian(span[p..], wallTime);
            p += 8;
        }

        if (step != 0)
        {
            span[p++] = 0x10; // field 2 step, varint
            p += WriteVarint(span[p..], (ulong)step);
        }

        span[p++] = 0x2A; // field 5 summary
        p += WriteVarint(span[p..], (ulong)summaryLength);
        span[p++] = 0x0A; // Summary.value (field 1)
        p += WriteVarint(span[p..], (ulong)valueLength);
        span[p++] = 0x0A; // Value.tag (field 1)
        p += WriteVarint(span[p..], (ulong)tagUtf8.Length);
        tagUtf8.CopyTo(span[p..]);
        p += tagUtf8.Length;
        span[p++] = 0x15; // Value.simple_value (field 2), fixed32; a oneof member, so written even when 0
        if (float.IsNaN(value))
        {
            value = CanonicalNaN; // .NET's double.NaN narrows to a negative NaN; write the one Python writes
        }

        BinaryPrimitives.WriteSingleLittleEndian(span[p..], value);
        p += 4;
        return span[..p];
    }

    internal static Event Histogram(string tag, long step, double wallTime, HistogramData histogram)
    {
        var proto = new HistogramProto
        {
            Min = histogram.Min,
            Max = histogram.Max,
            Num = histogram.Num,
            Sum = histogram.Sum,
            SumSquares = histogram.SumSquares,
        };
        proto.BucketLimit.AddRange(histogram.LimitsArray);
        proto.Bucket.AddRange(histogram.CountsArray);
        return Wrap(step, wallTime, new Summary.Types.Value { Tag = tag, Histo = proto });
    }

    internal static Event Text(string tag, long step, double wallTime, string text)
    {
        var tensor = new TensorProto { Dtype = Events.Protos.DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.TensorShape.Dim.Add(new TensorShapeProto.Types.Dim { Size = 1 });
        tensor.StringVal.Add(ByteString.CopyFromUtf8(text));
        var value = new Summary.Types.Value
        {
            Tag = tag + TextTagSuffix,
            Metadata = new SummaryMetadata { PluginData = new SummaryMetadata.Types.PluginData { PluginName = "text" } },
            Tensor = tensor,
        };
        return Wrap(step, wallTime, value);
    }

    /// <summary>The experiment, session start and session end records, in PyTorch's order.</summary>
    internal static Event[] Hparams(long step, double wallTime, HparamsData hparams)
    {
        var experiment = new Experiment();
        var start = new SessionStartInfo();
        foreach (var (name, value) in hparams.Hparams)
        {
            experiment.HparamInfos.Add(new HParamInfo { Name = name, Type = TypeOf(value) });
            start.Hparams[name] = ToProtoValue(value);
        }

        foreach (string metric in hparams.MetricTags)
        {
            experiment.MetricInfos.Add(new MetricInfo { Name = new MetricName { Tag = metric } });
        }

        return
        [
            HparamsEvent(step, wallTime, HparamsData.ExperimentTag, new HParamsPluginData { Experiment = experiment }),
            HparamsEvent(step, wallTime, HparamsData.SessionStartInfoTag, new HParamsPluginData { SessionStartInfo = start }),
            HparamsEvent(step, wallTime, HparamsData.SessionEndInfoTag, new HParamsPluginData { SessionEndInfo = new SessionEndInfo { Status = Status.Success } }),
        ];
    }

    private static Event HparamsEvent(long step, double wallTime, string tag, HParamsPluginData content)
    {
        var value = new Summary.Types.Value
        {
            Tag = tag,
            Metadata = new SummaryMetadata
            {
                PluginData = new SummaryMetadata.Types.PluginData { PluginName = "hparams", Content = content.ToByteString() },
            },
        };
        return Wrap(step, wallTime, value);
    }

    private static Google.Protobuf.WellKnownTypes.Value ToProtoValue(HparamValue value) => value.Kind switch
    {
        HparamValueKind.String => Google.Protobuf.WellKnownTypes.Value.ForString(value.String ?? string.Empty),
        HparamValueKind.Bool => Google.Protobuf.WellKnownTypes.Value.ForBool(value.Bool),
        _ => Google.Protobuf.WellKnownTypes.Value.ForNumber(value.Number),
    };

    private static Events.Protos.Hparams.DataType TypeOf(HparamValue value) => value.Kind switch
    {
        HparamValueKind.String => Events.Protos.Hparams.DataType.String,
        HparamValueKind.Bool => Events.Protos.Hparams.DataType.Bool,
        _ => Events.Protos.Hparams.DataType.Float64,
    };

    private static Event Wrap(long step, double wallTime, Summary.Types.Value value)
    {
        var summary = new Summary();
        summary.Value.Add(value);
        return new Event { WallTime = wallTime, Step = step, Summary = summary };
    }

    private byte[] TagBytes(string tag)
    {
        if (!_tagBytes.TryGetValue(tag, out byte[]? bytes))
        {
            if (_tagBytes.Count >= MaxCachedTags)
            {
                _tagBytes.Clear(); // tags made up per step must not grow the cache without bound
            }

            bytes = Encoding.UTF8.GetBytes(tag);
            _tagBytes[tag] = bytes;
        }

        return bytes;
    }

    private static int VarintLength(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        return n;
    }
}
