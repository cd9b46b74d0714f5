using TbBridge.Events;

namespace TbBridge.Internal;

/// <summary>
/// The default sink: TensorBoard event files under the writer's log directory, one file per run, the
/// sub-runs (<see cref="SummaryPoint.Run"/>) in sub-directories as PyTorch lays them out. The main run's
/// file is created at once, like PyTorch's; a sub-run's on its first point.
/// </summary>
internal sealed class EventFileSink : ISummarySink
{
    private readonly string _logDir;
    private readonly EventFileWriterOptions _fileOptions;
    private readonly Dictionary<string, EventFileWriter> _writers = new(StringComparer.Ordinal);
    private readonly EventEncoder _encoder = new();
    private string? _lastRun;
    private EventFileWriter? _lastWriter;

    internal EventFileSink(string logDir, EventFileWriterOptions fileOptions)
    {
        _logDir = logDir;
        _fileOptions = fileOptions;
        _ = WriterFor(string.Empty);
    }

    /// <summary>The event files written so far, by run (empty string for the main run).</summary>
    internal IReadOnlyDictionary<string, EventFileWriter> Writers => _writers;

    public ValueTask WriteAsync(IReadOnlyList<SummaryPoint> batch, CancellationToken cancellationToken)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            Write(batch[i]);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var writer in _writers.Values)
        {
            writer.FlushToDisk();
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        List<Exception>? errors = null;
        foreach (var writer in _writers.Values)
        {
            try
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException e)
            {
                (errors ??= []).Add(e);
            }
        }

        _writers.Clear();
        if (errors is not null)
        {
            throw new AggregateException("Closing the event files failed.", errors);
        }
    }

    private void Write(in SummaryPoint point)
    {
        var writer = WriterFor(point.Run);
        switch (point.Kind)
        {
            case SummaryPointKind.Scalar:
                writer.WriteEvent(_encoder.Scalar(point.Tag, point.Step, point.WallTime, point.Value));
                break;
            case SummaryPointKind.Histogram when point.Histogram is { IsEmpty: false } histogram:
                writer.WriteEvent(_encoder.Histogram(point.Tag, point.Step, point.WallTime, histogram.ToEventValue()));
                break;
            case SummaryPointKind.Text when point.Text is { } text:
                writer.WriteEvent(_encoder.Text(EventEncoder.TextTag(point.Tag), point.Step, point.WallTime, text));
                break;
            case SummaryPointKind.Hparams when point.Hparams is { } hparams:
                foreach (byte[] record in _encoder.Hparams(point.Step, point.WallTime, hparams))
                {
                    writer.WriteEvent(record);
                }

                break;
            default:
                break; // an empty histogram has nothing to draw: its nan/inf counts travel as scalars
        }
    }

    private EventFileWriter WriterFor(string run)
    {
        if (ReferenceEquals(run, _lastRun) && _lastWriter is not null)
        {
            return _lastWriter;
        }

        if (!_writers.TryGetValue(run, out var writer))
        {
            string dir = run.Length == 0 ? _logDir : Path.Combine(_logDir, run);
            writer = EventFileWriter.Create(dir, _fileOptions);
            _writers[run] = writer;
        }

        _lastRun = run;
        _lastWriter = writer;
        return writer;
    }
}
