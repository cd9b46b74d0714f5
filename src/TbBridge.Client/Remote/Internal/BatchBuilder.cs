using TbBridge.Events;
using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>
/// Collects points into one columnar <see cref="PointBatch"/> with its own tag table: the one mapping onto the
/// wire, for the remote sink (a writer's <see cref="SummaryPoint"/>s) and <c>tbbridge upload</c> (values read
/// back from event files). Tags travel as TensorBoard stores them, so a text logged as <c>notes</c> goes as
/// <see cref="EventEncoder.TextTag"/>(<c>notes</c>), exactly what the writer's local file holds.
/// </summary>
internal sealed class BatchBuilder
{
    private readonly Dictionary<string, uint> _tags = new(StringComparer.Ordinal);
    private PointBatch _batch = NewBatch();

    /// <summary>Points in the batch being built.</summary>
    public int Count { get; private set; }

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the first point, when there is one.</summary>
    public long StartedAt { get; private set; }

    /// <summary>Whether the protocol carries a value read from an event file (scalars, histograms, text).</summary>
    public static bool CanCarry(SummaryValue value) =>
        !IsServiceTag(value.Tag) && (value.Kind is ValueKind.Scalar
        || (value.Kind is ValueKind.Histogram && value.Histogram is not null)
        || (value.Kind is ValueKind.Text && value.Text is not null));

    /// <summary>
    /// A tag the service writes itself (<c>tbbridge/alerts</c>, anything under <c>tbbridge/</c> but the writer's own
    /// <c>tbbridge/dropped_points</c>): the service refuses it, so it is never sent. An upload of a copy of the
    /// service's data leaves the old alert log behind; the service writes its own.
    /// </summary>
    public static bool IsServiceTag(string tag) =>
        tag.StartsWith("tbbridge/", StringComparison.Ordinal) && tag != "tbbridge/dropped_points";

    /// <summary>
    /// Adds a writer's point; false for a point that is not sent: a service tag, a kind the protocol does not carry,
    /// or a histogram without a finite value, which the local event file leaves out too (its NaN and Inf counts are
    /// scalars).
    /// </summary>
    public bool Add(in SummaryPoint point, long now)
    {
        if (IsServiceTag(point.Kind == SummaryPointKind.Text ? EventEncoder.TextTag(point.Tag) : point.Tag))
        {
            return false;
        }

        switch (point.Kind)
        {
            case SummaryPointKind.Scalar:
                AddScalar(point.Tag, point.Step, point.WallTime, point.Value);
                break;
            case SummaryPointKind.Histogram when point.Histogram!.IsEmpty:
                return false;
            case SummaryPointKind.Histogram:
                AddHistogram(point.Tag, point.Step, point.WallTime, point.Histogram.ToEventValue());
                break;
            case SummaryPointKind.Text:
                AddText(EventEncoder.TextTag(point.Tag), point.Step, point.WallTime, point.Text!);
                break;
            case SummaryPointKind.Hparams:
                AddHparams(point.Step, point.WallTime, point.Hparams!);
                break;
            default:
                return false;
        }

        if (Count == 1)
        {
            StartedAt = now;
        }

        return true;
    }

    /// <summary>Adds a value read from an event file, under its tag as stored; false when <see cref="CanCarry"/> is not.</summary>
    public bool Add(SummaryValue value, long step, double wallTime)
    {
        if (!CanCarry(value))
        {
            return false;
        }

        switch (value.Kind)
        {
            case ValueKind.Scalar:
                AddScalar(value.Tag, step, wallTime, value.Scalar);
                break;
            case ValueKind.Histogram:
                AddHistogram(value.Tag, step, wallTime, value.Histogram!);
                break;
            default:
                AddText(value.Tag, step, wallTime, value.Text!);
                break;
        }

        return true;
    }

    /// <summary>Hands over the batch, numbered, and starts an empty one.</summary>
    public PointBatch Take(ulong sequence)
    {
        var batch = _batch;
        batch.Sequence = sequence;
        _batch = NewBatch();
        _tags.Clear();
        Count = 0;
        return batch;
    }

    private void AddScalar(string tag, long step, double wallTime, double value)
    {
        var scalars = _batch.Scalars;
        scalars.TagIndex.Add(TagIndex(tag));
        scalars.Step.Add(step);
        scalars.Value.Add(value);
        scalars.WallTime.Add(wallTime);
        Count++;
    }

    private void AddHistogram(string tag, long step, double wallTime, HistogramValue h)
    {
        var histogram = new HistogramPoint
        {
            TagIndex = TagIndex(tag),
            Step = step,
            WallTime = wallTime,
            Min = h.Min,
            Max = h.Max,
            Num = h.Num,
            Sum = h.Sum,
            SumSquares = h.SumSquares,
        };
        histogram.BucketLimit.Add(h.BucketLimits);
        histogram.Bucket.Add(h.BucketCounts);
        _batch.Histograms.Add(histogram);
        Count++;
    }

    private void AddText(string tag, long step, double wallTime, string text)
    {
        _batch.Texts.Add(new TextPoint { TagIndex = TagIndex(tag), Step = step, WallTime = wallTime, Text = text });
        Count++;
    }

    private void AddHparams(long step, double wallTime, HparamsData hparams)
    {
        var point = new HparamsPoint { Step = step, WallTime = wallTime };
        foreach (var (name, value) in hparams.Hparams)
        {
            var hparam = new Hparam { Name = name };
            switch (value.Kind)
            {
                case HparamValueKind.String:
                    hparam.Text = value.String ?? string.Empty;
                    break;
                case HparamValueKind.Bool:
                    hparam.Flag = value.Bool;
                    break;
                default:
                    hparam.Number = value.Number;
                    break;
            }

            point.Hparams.Add(hparam);
        }

        point.MetricTags.Add(hparams.MetricTags);
        _batch.Hparams.Add(point);
        Count++;
    }

    private static PointBatch NewBatch() => new() { Scalars = new ScalarColumns() };

    private uint TagIndex(string tag)
    {
        if (!_tags.TryGetValue(tag, out uint index))
        {
            index = (uint)_tags.Count;
            _tags.Add(tag, index);
            _batch.Tags.Add(tag);
        }

        return index;
    }
}
