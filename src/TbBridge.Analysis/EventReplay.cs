using TbBridge.Events;

namespace TbBridge.Analysis;

/// <summary>
/// The one mapping from decoded TensorBoard events (<see cref="TbBridge.Events"/>) to the engine, for every caller that
/// replays log files (<c>tbbridge analyze</c>, the evaluation tests): scalar values (TF1 simple values and TF2 tensor
/// scalars) go to <see cref="RunAnalyzer.ObserveScalar(string, long, double, double)"/>, histograms to
/// <see cref="RunAnalyzer.ObserveHistogram(string, long, double, HistogramSnapshot)"/>; text, images, audio and other
/// tensors carry nothing the rules use. No I/O: the caller reads the files.
/// </summary>
public static class EventReplay
{
    /// <summary>Feeds every value of one event of the run itself.</summary>
    public static void Feed(RunAnalyzer analyzer, DecodedEvent evt)
    {
        ArgumentNullException.ThrowIfNull(analyzer);
        ArgumentNullException.ThrowIfNull(evt);
        foreach (var value in evt.Values)
        {
            if (value.Kind == ValueKind.Scalar)
            {
                analyzer.ObserveScalar(value.Tag, evt.Step, evt.WallTime, value.Scalar);
            }
            else if (value.Kind == ValueKind.Histogram && value.Histogram is { } h)
            {
                analyzer.ObserveHistogram(value.Tag, evt.Step, evt.WallTime, ToSnapshot(h));
            }
        }
    }

    /// <summary>The engine's view of a TensorBoard histogram.</summary>
    public static HistogramSnapshot ToSnapshot(HistogramValue h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return new HistogramSnapshot(h.Min, h.Max, h.Num, h.Sum, h.SumSquares, h.BucketLimits, h.Buckets);
    }
}
