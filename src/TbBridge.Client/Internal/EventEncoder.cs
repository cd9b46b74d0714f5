using System.Text;
using Google.Protobuf;
using TbBridge.Events;
using TbBridge.Events.Protos;
using TbBridge.Events.Protos.Hparams;

namespace TbBridge.Internal;

/// <summary>
/// Serializes points as <c>tensorboard.Event</c> messages in the layout PyTorch's writer uses (checked
/// against the reference records): scalars as <c>simple_value</c>, histograms as <c>histo</c>, text as
/// the text plugin's DT_STRING tensor under <c>&lt;tag&gt;/text_summary</c>, hparams as the hparams
/// plugin's three records. Scalars, by far the most frequent, go through <see cref="ScalarEventEncoder"/>
/// into a reused buffer with cached UTF-8 tags: no allocation per point. One encoder per thread.
/// </summary>
internal sealed class EventEncoder
{
    private const int MaxCachedTags = 4096;
    private readonly Dictionary<string, byte[]> _tagBytes = new(StringComparer.Ordinal);
    private byte[] _buffer = new byte[256];

    /// <summary>The tag suffix and plugin PyTorch and TensorBoard use for text.</summary>
    internal const string TextTagSuffix = "/text_summary";

    /// <summary>Encodes a scalar event; the span is valid until the next call.</summary>
    internal ReadOnlySpan<byte> EncodeScalar(string tag, long step, double wallTime, float value)
    {
        byte[] tagUtf8 = TagBytes(tag);
        int max = ScalarEventEncoder.MaxLength(tagUtf8.Length);
        if (_buffer.Length < max)
        {
            _buffer = new byte[Math.Max(max, _buffer.Length * 2)];
        }

        return _buffer.AsSpan(0, ScalarEventEncoder.Write(_buffer, tagUtf8, step, wallTime, value));
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
}
