using TbBridge.Analysis;
using TbBridge.Events;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Internal.Analysis;

/// <summary>Feeds every scalar and histogram of a worker's batches (or of its files, on a restart) to its <see cref="RunAnalyzer"/>, in order.</summary>
internal sealed class RunAnalysis : IStreamAnalysis
{
    private readonly RunAnalyzer _analyzer;

    public RunAnalysis(RunAnalyzer analyzer)
    {
        _analyzer = analyzer;
    }

    /// <summary>The engine behind it (its counters: tags analysed, points beyond the bound, alerts held back).</summary>
    public RunAnalyzer Analyzer => _analyzer;

    public void Observe(IngestBatch batch)
    {
        var scalars = batch.Scalars;
        var tags = batch.Tags;
        for (int i = 0; i < scalars.Count; i++)
        {
            _analyzer.ObserveScalar(tags[scalars.TagIndex[i]], scalars.Steps[i], scalars.WallTimes[i], AsWritten(scalars.Values[i]));
        }

        foreach (var point in batch.Histograms)
        {
            _analyzer.ObserveHistogram(tags[point.TagIndex], point.Step, point.WallTime, EventReplay.ToSnapshot(point.Histogram));
        }
    }

    public long Replay(IReadOnlyList<(string File, long Length)> files, ICollection<string> serviceEntries, CancellationToken cancellationToken)
    {
        long before = _analyzer.PointsObserved;
        var decoder = new EventDecoder();
        foreach (var (file, length) in files)
        {
            using var reader = new EventFileReader(file);
            foreach (var record in reader.ReadToEnd())
            {
                if (record.Offset >= length)
                {
                    break; // written after the replay began: the live batches that wait behind it carry these points
                }

                cancellationToken.ThrowIfCancellationRequested();
                DecodedEvent? evt;
                try
                {
                    evt = decoder.Decode(record.Payload.Span);
                }
                catch (InvalidDataException)
                {
                    continue; // the files were cut back to what was acked: a damaged record is skipped, as `tbbridge analyze` skips it
                }

                if (evt is not null)
                {
                    EventReplay.Feed(_analyzer, evt);
                    foreach (var value in evt.Values)
                    {
                        if (value.Kind == ValueKind.Text && value.Tag == AlertText.Tag && value.Text is { } text)
                        {
                            int end = text.IndexOf('\n', StringComparison.Ordinal);
                            serviceEntries.Add(end < 0 ? text : text[..end]);
                        }
                    }
                }
            }
        }

        return _analyzer.PointsObserved - before;
    }

    public void Complete() => _analyzer.Complete();

    /// <summary>
    /// The value the event file holds: a scalar is written as a float32, so a finite double beyond its range (1e40) is
    /// ±Inf on disk, and the rules see it so (<c>nan_inf</c> on a training signal), as a replay of the file would.
    /// </summary>
    internal static double AsWritten(double value)
    {
        float written = (float)value;
        return float.IsInfinity(written) && double.IsFinite(value) ? written : value;
    }
}
