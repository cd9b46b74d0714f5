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
    private static readonly SubRun Own = new(string.Empty, string.Empty, SubRunRole.Other);

    /// <summary>Feeds every value of one event of the run itself.</summary>
    public static void Feed(RunAnalyzer analyzer, DecodedEvent evt) => Feed(analyzer, Own, evt);

    /// <summary>Feeds every value of one event of a sub-run of the analysed training run.</summary>
    public static void Feed(RunAnalyzer analyzer, SubRun subRun, DecodedEvent evt)
    {
        ArgumentNullException.ThrowIfNull(analyzer);
        ArgumentNullException.ThrowIfNull(subRun);
        ArgumentNullException.ThrowIfNull(evt);
        foreach (var value in evt.Values)
        {
            if (value.Kind == ValueKind.Scalar)
            {
                analyzer.ObserveScalar(subRun, value.Tag, evt.Step, evt.WallTime, value.Scalar);
            }
            else if (value.Kind == ValueKind.Histogram && value.Histogram is { } h)
            {
                analyzer.ObserveHistogram(subRun, value.Tag, evt.Step, evt.WallTime, ToSnapshot(h));
            }
        }
    }

    /// <summary>
    /// Feeds a whole training run: the events of its sub-runs (from <paramref name="read"/>, which does the I/O), merged
    /// in wall-time order (ties in the order of <see cref="TrainingRun.SubRuns"/>), so the rules see training and
    /// validation points as they happened. Does not complete the analysis.
    /// </summary>
    public static void Feed(RunAnalyzer analyzer, TrainingRun run, Func<SubRun, IEnumerable<DecodedEvent>> read)
    {
        ArgumentNullException.ThrowIfNull(analyzer);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(read);
        if (run.SubRuns.Count == 1)
        {
            foreach (var evt in read(run.SubRuns[0]))
            {
                Feed(analyzer, run.SubRuns[0], evt);
            }

            return;
        }

        var streams = run.SubRuns.Select(s => (SubRun: s, Events: read(s).GetEnumerator())).ToList();
        try
        {
            var live = streams.Where(s => s.Events.MoveNext()).ToList();
            while (live.Count > 0)
            {
                var next = 0;
                for (var i = 1; i < live.Count; i++)
                {
                    if (live[i].Events.Current.WallTime < live[next].Events.Current.WallTime)
                    {
                        next = i;
                    }
                }

                var (subRun, events) = live[next];
                Feed(analyzer, subRun, events.Current);
                if (!events.MoveNext())
                {
                    live.RemoveAt(next);
                }
            }
        }
        finally
        {
            foreach (var (_, events) in streams)
            {
                events.Dispose();
            }
        }
    }

    /// <summary>The engine's view of a TensorBoard histogram.</summary>
    public static HistogramSnapshot ToSnapshot(HistogramValue h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return new HistogramSnapshot(h.Min, h.Max, h.Num, h.Sum, h.SumSquares, h.BucketLimits, h.BucketCounts);
    }
}
