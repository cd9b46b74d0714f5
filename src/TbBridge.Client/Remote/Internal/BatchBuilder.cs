using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>Collects points into one columnar <see cref="PointBatch"/> with its own tag table.</summary>
internal sealed class BatchBuilder
{
    private readonly Dictionary<string, uint> _tags = new(StringComparer.Ordinal);
    private PointBatch _batch = NewBatch();

    /// <summary>Points in the batch being built.</summary>
    public int Count { get; private set; }

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the first point, when there is one.</summary>
    public long StartedAt { get; private set; }

    /// <summary>Adds a point; false for kinds the protocol does not carry (hparams).</summary>
    public bool Add(in SummaryPoint point, long now)
    {
        switch (point.Kind)
        {
            case SummaryPointKind.Scalar:
                var scalars = _batch.Scalars;
                scalars.TagIndex.Add(TagIndex(point.Tag));
                scalars.Step.Add(point.Step);
                scalars.Value.Add(point.Value);
                scalars.WallTime.Add(point.WallTime);
                break;
            case SummaryPointKind.Histogram:
                var h = point.Histogram!;
                var histogram = new HistogramPoint
                {
                    TagIndex = TagIndex(point.Tag),
                    Step = point.Step,
                    WallTime = point.WallTime,
                    Min = h.Min,
                    Max = h.Max,
                    Num = h.Num,
                    Sum = h.Sum,
                    SumSquares = h.SumSquares,
                };
                histogram.BucketLimit.Add(h.BucketLimits);
                histogram.Bucket.Add(h.BucketCounts);
                _batch.Histograms.Add(histogram);
                break;
            case SummaryPointKind.Text:
                _batch.Texts.Add(new TextPoint { TagIndex = TagIndex(point.Tag), Step = point.Step, WallTime = point.WallTime, Text = point.Text! });
                break;
            default:
                return false;
        }

        if (Count++ == 0)
        {
            StartedAt = now;
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
