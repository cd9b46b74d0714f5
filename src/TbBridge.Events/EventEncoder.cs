using System.Text;
using Google.Protobuf;
using TbBridge.Events.Internal;
using TbBridge.Events.Protos;
using TbBridge.Events.Protos.Hparams;

namespace TbBridge.Events;

/// <summary>
/// The one encoder of TensorBoard records: every kind TbBridge writes (scalars, histograms, text, hparams),
/// in the record layout of PyTorch's <c>SummaryWriter</c> (checked against the reference records), for the
/// logger, the service and the command line alike. Each call returns one serialized <c>tensorboard.Event</c>
/// for <see cref="EventFileWriter.WriteEvent(ReadOnlySpan{byte})"/>.
/// </summary>
/// <remarks>
/// The returned span lives in the encoder's own buffer and is valid until the next call; an encoder is not
/// thread-safe (one per writer loop). Scalars, by far the most frequent record, are written byte by byte
/// with cached UTF-8 tags and allocate nothing; the other kinds go through the generated messages.
/// </remarks>
public sealed class EventEncoder
{
    /// <summary>The text plugin's name: TensorBoard's Text tab shows string tensors that carry it.</summary>
    public const string TextPluginName = "text";

    /// <summary>What PyTorch's <c>add_text</c> appends to a text tag; see <see cref="TextTag"/>.</summary>
    public const string TextTagSuffix = "/text_summary";

    /// <summary>The hparams plugin's name.</summary>
    public const string HparamsPluginName = "hparams";

    private const int MaxCachedTags = 4096;
    private readonly Dictionary<string, byte[]> _tagBytes = new(StringComparer.Ordinal);
    private byte[] _buffer = new byte[256];

    /// <summary>
    /// The tag PyTorch's <c>add_text(tag, …)</c> stores a text under: <c>&lt;tag&gt;/text_summary</c>. The
    /// writer applies it to what a caller logs with <c>AddText</c>, on disk and on the wire alike; a tag read
    /// back from an event file already carries it.
    /// </summary>
    public static string TextTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return tag + TextTagSuffix;
    }

    /// <summary>
    /// A scalar as <c>simple_value</c>: a float32, like PyTorch's, so <paramref name="value"/> is narrowed; NaN is
    /// written with Python's bits.
    /// </summary>
    public ReadOnlySpan<byte> Scalar(string tag, long step, double wallTime, double value) =>
        Scalar(TagBytes(tag), step, wallTime, value);

    /// <summary>A scalar whose tag the caller holds as UTF-8 already (a batch's tag table).</summary>
    public ReadOnlySpan<byte> Scalar(ReadOnlySpan<byte> tagUtf8, long step, double wallTime, double value)
    {
        var buffer = Buffer(ScalarEventEncoder.MaxLength(tagUtf8.Length));
        return buffer[..ScalarEventEncoder.Write(buffer, tagUtf8, step, wallTime, (float)value)];
    }

    /// <summary>
    /// A histogram as <c>histo</c> (TensorBoard's <c>HistogramProto</c>). Bucket <c>i</c> counts the values
    /// <c>v</c> with <c>BucketLimits[i-1] &lt;= v &lt; BucketLimits[i]</c>, each limit the right, exclusive edge
    /// of its bucket, the first bucket starting at <see cref="HistogramValue.Min"/>.
    /// </summary>
    public ReadOnlySpan<byte> Histogram(string tag, long step, double wallTime, HistogramValue histogram)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(histogram);
        var proto = new HistogramProto
        {
            Min = histogram.Min,
            Max = histogram.Max,
            Num = histogram.Num,
            Sum = histogram.Sum,
            SumSquares = histogram.SumSquares,
        };
        proto.BucketLimit.AddRange(histogram.BucketLimits);
        proto.Bucket.AddRange(histogram.BucketCounts);
        return Serialize(step, wallTime, new Summary.Types.Value { Tag = tag, Histo = proto });
    }

    /// <summary>
    /// Markdown for the Text tab, under <paramref name="tag"/> as given: a one-element string tensor with the
    /// text plugin's metadata, as PyTorch writes it. Logging code passes <see cref="TextTag"/> of its tag.
    /// </summary>
    public ReadOnlySpan<byte> Text(string tag, long step, double wallTime, string text)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(text);
        var tensor = new TensorProto { Dtype = Protos.DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.TensorShape.Dim.Add(new TensorShapeProto.Types.Dim { Size = 1 });
        tensor.StringVal.Add(ByteString.CopyFromUtf8(text));
        var value = new Summary.Types.Value
        {
            Tag = tag,
            Metadata = new SummaryMetadata { PluginData = new SummaryMetadata.Types.PluginData { PluginName = TextPluginName } },
            Tensor = tensor,
        };
        return Serialize(step, wallTime, value);
    }

    /// <summary>
    /// A <c>log_message</c> event (TensorFlow's deprecated <c>LogMessage</c>, level <c>DEBUGGING</c>) with no summary:
    /// TensorBoard's readers skip it, so a writer can leave notes for itself in the file (the service's commit markers).
    /// </summary>
    public ReadOnlySpan<byte> LogMessage(double wallTime, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var evt = new Event { WallTime = wallTime, LogMessage = new LogMessage { Level = Protos.LogMessage.Types.Level.Debugging, Message = message } };
        var buffer = Buffer(evt.CalculateSize());
        evt.WriteTo(buffer);
        return buffer;
    }

    /// <summary>
    /// One session's hyperparameters as the hparams plugin's three records, in PyTorch's order: the experiment
    /// (every hparam's type and the metric tags), the session start (the values) and the session end.
    /// </summary>
    public IReadOnlyList<byte[]> Hparams(long step, double wallTime, HparamsData hparams)
    {
        ArgumentNullException.ThrowIfNull(hparams);
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
            HparamsRecord(step, wallTime, HparamsData.ExperimentTag, new HParamsPluginData { Experiment = experiment }),
            HparamsRecord(step, wallTime, HparamsData.SessionStartInfoTag, new HParamsPluginData { SessionStartInfo = start }),
            HparamsRecord(step, wallTime, HparamsData.SessionEndInfoTag, new HParamsPluginData { SessionEndInfo = new SessionEndInfo { Status = Status.Success } }),
        ];
    }

    private static byte[] HparamsRecord(long step, double wallTime, string tag, HParamsPluginData content)
    {
        var value = new Summary.Types.Value
        {
            Tag = tag,
            Metadata = new SummaryMetadata
            {
                PluginData = new SummaryMetadata.Types.PluginData { PluginName = HparamsPluginName, Content = content.ToByteString() },
            },
        };
        return Wrap(step, wallTime, value).ToByteArray();
    }

    private static Google.Protobuf.WellKnownTypes.Value ToProtoValue(HparamValue value) => value.Kind switch
    {
        HparamValueKind.String => Google.Protobuf.WellKnownTypes.Value.ForString(value.String ?? string.Empty),
        HparamValueKind.Bool => Google.Protobuf.WellKnownTypes.Value.ForBool(value.Bool),
        _ => Google.Protobuf.WellKnownTypes.Value.ForNumber(value.Number),
    };

    private static Protos.Hparams.DataType TypeOf(HparamValue value) => value.Kind switch
    {
        HparamValueKind.String => Protos.Hparams.DataType.String,
        HparamValueKind.Bool => Protos.Hparams.DataType.Bool,
        _ => Protos.Hparams.DataType.Float64,
    };

    private static Event Wrap(long step, double wallTime, Summary.Types.Value value)
    {
        var summary = new Summary();
        summary.Value.Add(value);
        return new Event { WallTime = wallTime, Step = step, Summary = summary };
    }

    private ReadOnlySpan<byte> Serialize(long step, double wallTime, Summary.Types.Value value)
    {
        var message = Wrap(step, wallTime, value);
        var buffer = Buffer(message.CalculateSize());
        message.WriteTo(buffer);
        return buffer;
    }

    /// <summary>The first <paramref name="length"/> bytes of the buffer, grown when needed.</summary>
    private Span<byte> Buffer(int length)
    {
        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }

        return _buffer.AsSpan(0, length);
    }

    private byte[] TagBytes(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
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
