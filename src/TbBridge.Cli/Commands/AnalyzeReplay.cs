using TbBridge.Analysis;
using TbBridge.Events;

namespace TbBridge.Cli.Commands;

/// <summary>
/// The one mapping from decoded TensorBoard events to the analysis engine, shared by <c>tbbridge analyze</c> and the
/// engine's evaluation tests: scalar values (TF1 simple values and TF2 tensor scalars) go to
/// <see cref="RunAnalyzer.ObserveScalar"/>, histograms to <see cref="RunAnalyzer.ObserveHistogram"/>; text, images,
/// audio and other tensors carry nothing the rules use.
/// </summary>
public static class AnalyzeReplay
{
    /// <summary>Feeds every value of one event.</summary>
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
        return new HistogramSnapshot(h.Min, h.Max, h.Num, h.Sum, h.SumSquares, h.BucketLimits, h.BucketCounts);
    }

    /// <summary>Replays a whole run (all its files, in order) and completes the analysis.</summary>
    /// <param name="run">The run to read.</param>
    /// <param name="options">Engine options (signal rules); defaults when null.</param>
    /// <param name="errors">Receives damaged records; reading goes on past them.</param>
    /// <param name="onEvent">Called after each event (progress).</param>
    public static RunAnalyzer AnalyzeRun(RunInfo run, AnalysisOptions? options = null, ICollection<EventReadError>? errors = null, Action<DecodedEvent>? onEvent = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var analyzer = new RunAnalyzer(run.Name, options);
        foreach (var evt in RunReader.ReadRun(run, errors))
        {
            Feed(analyzer, evt);
            onEvent?.Invoke(evt);
        }

        analyzer.Complete();
        return analyzer;
    }
}
