using TbBridge.Events;

namespace TbBridge.Analysis.Tests.Support;

/// <summary>Feeds decoded events to a <see cref="RunAnalyzer"/>: scalars to ObserveScalar, histograms to ObserveHistogram.</summary>
public static class EventReplay
{
    public static void Feed(RunAnalyzer analyzer, DecodedEvent evt)
    {
        foreach (var v in evt.Values)
        {
            if (v.Kind == ValueKind.Scalar)
            {
                analyzer.ObserveScalar(v.Tag, evt.Step, evt.WallTime, v.Scalar);
            }
            else if (v.Kind == ValueKind.Histogram && v.Histogram is { } h)
            {
                analyzer.ObserveHistogram(v.Tag, evt.Step, evt.WallTime,
                    new HistogramSnapshot(h.Min, h.Max, h.Num, h.Sum, h.SumSquares, h.BucketLimits, h.Buckets));
            }
        }
    }
}
