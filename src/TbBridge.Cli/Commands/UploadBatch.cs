using TbBridge.Events;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>Packs decoded values (scalars, histograms, text) into one protocol batch with its tag table.</summary>
internal sealed class UploadBatch
{
    private readonly Dictionary<string, uint> _tags = new(StringComparer.Ordinal);
    private PointBatch _batch = New();

    public int Count { get; private set; }

    public bool CanCarry(SummaryValue value) =>
        value.Kind is ValueKind.Scalar || (value.Kind is ValueKind.Histogram && value.Histogram is not null) || (value.Kind is ValueKind.Text && value.Text is not null);

    public void Add(SummaryValue value, long step, double wallTime)
    {
        uint tag = TagIndex(value.Tag);
        switch (value.Kind)
        {
            case ValueKind.Scalar:
                _batch.Scalars.TagIndex.Add(tag);
                _batch.Scalars.Step.Add(step);
                _batch.Scalars.Value.Add(value.Scalar);
                _batch.Scalars.WallTime.Add(wallTime);
                break;
            case ValueKind.Histogram:
                var h = value.Histogram!;
                var point = new HistogramPoint { TagIndex = tag, Step = step, WallTime = wallTime, Min = h.Min, Max = h.Max, Num = h.Num, Sum = h.Sum, SumSquares = h.SumSquares };
                point.BucketLimit.Add(h.BucketLimits);
                point.Bucket.Add(h.Buckets);
                _batch.Histograms.Add(point);
                break;
            default:
                _batch.Texts.Add(new TextPoint { TagIndex = tag, Step = step, WallTime = wallTime, Text = value.Text! });
                break;
        }

        Count++;
    }

    public PointBatch Take(ulong sequence)
    {
        var batch = _batch;
        batch.Sequence = sequence;
        _batch = New();
        _tags.Clear();
        Count = 0;
        return batch;
    }

    private static PointBatch New() => new() { Scalars = new ScalarColumns() };

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
