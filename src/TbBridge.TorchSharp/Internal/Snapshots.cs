using TbBridge.Analysis;

namespace TbBridge.TorchSharp.Internal;

/// <summary>The writer's histogram as the analysis engine takes it.</summary>
internal static class Snapshots
{
    public static HistogramSnapshot Of(HistogramData h) =>
        new(h.Min, h.Max, h.Num, h.Sum, h.SumSquares, h.BucketLimits, h.BucketCounts, h.NanCount, h.InfinityCount);
}
