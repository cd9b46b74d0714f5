using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TbBridge.Analysis;
using TbBridge.TorchSharp.Internal;

namespace TbBridge.TorchSharp;

/// <summary>
/// The analysis engine running in-process on everything a <see cref="SummaryWriter"/> logs: add it to the
/// writer's <see cref="SummaryWriterOptions.Sinks"/>. Each alert raises <see cref="AlertRaised"/> and is logged;
/// with <see cref="TrainingWatchdogOptions.StopOnCritical"/>, the first critical alert makes the next
/// <see cref="TrainingMonitor.Step(long, double)"/> throw <see cref="TrainingStoppedException"/>.
/// </summary>
/// <remarks>
/// The writer feeds its sinks from its background loop, so alerts arrive there, a few milliseconds after the
/// point was logged; after <see cref="SummaryWriter.Flush"/> every point logged before it has been analysed.
/// An <see cref="AlertRaised"/> handler must not wait on the writer (that would wait on itself). One analyser
/// per run: the writer's own run and each sub-run (<see cref="SummaryWriter.AddScalars"/>) apart. The end-of-run
/// checks (plateau, weights unchanged) run when the writer disposes its sinks, or on <see cref="Complete"/>.
/// </remarks>
public sealed class TrainingWatchdog : ISummarySink
{
    private readonly Lock _gate = new();
    private readonly TrainingWatchdogOptions _options;
    private readonly Dictionary<string, RunAnalyzer> _analyzers = new(StringComparer.Ordinal);
    private readonly List<Alert> _alerts = [];
    private readonly ILogger _logger;
    private volatile Alert? _stopAlert;
    private bool _completed;

    /// <summary>A watchdog with the given settings (defaults when null).</summary>
    public TrainingWatchdog(TrainingWatchdogOptions? options = null)
    {
        _options = options ?? new TrainingWatchdogOptions();
        ArgumentNullException.ThrowIfNull(_options.Analysis, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.RunName, nameof(options));
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TrainingWatchdog>();
    }

    /// <summary>Raised once per alert, in order, on the writer's background loop.</summary>
    public event Action<Alert>? AlertRaised;

    /// <summary>Every alert so far, in order (a copy).</summary>
    public IReadOnlyList<Alert> Alerts
    {
        get
        {
            lock (_gate)
            {
                return [.. _alerts];
            }
        }
    }

    /// <summary>The alert that asked training to stop, or null.</summary>
    public Alert? StopAlert => _stopAlert;

    /// <summary>Throws <see cref="TrainingStoppedException"/> when an alert has asked training to stop.</summary>
    public void ThrowIfStopRequested()
    {
        if (_stopAlert is { } alert)
        {
            throw new TrainingStoppedException(alert);
        }
    }

    /// <summary>Runs the end-of-run checks of every run seen (idempotent; later points are ignored).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            foreach (var analyzer in _analyzers.Values)
            {
                analyzer.Complete();
            }
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(IReadOnlyList<SummaryPoint> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_gate)
        {
            if (_completed)
            {
                return ValueTask.CompletedTask;
            }

            foreach (var point in batch)
            {
                Observe(point);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Complete();
        return ValueTask.CompletedTask;
    }

    private void Observe(in SummaryPoint point)
    {
        switch (point.Kind)
        {
            case SummaryPointKind.Scalar:
                AnalyzerFor(point.Run).ObserveScalar(point.Tag, point.Step, point.WallTime, point.Value);
                break;
            case SummaryPointKind.Histogram when point.Histogram is { } h:
                AnalyzerFor(point.Run).ObserveHistogram(point.Tag, point.Step, point.WallTime, ToSnapshot(h));
                break;
            default:
                break;
        }
    }

    private RunAnalyzer AnalyzerFor(string subRun)
    {
        if (!_analyzers.TryGetValue(subRun, out var analyzer))
        {
            string name = subRun.Length == 0 ? _options.RunName : _options.RunName == "." ? subRun : $"{_options.RunName}/{subRun}";
            analyzer = new RunAnalyzer(name, _options.Analysis);
            analyzer.AlertRaised += OnAlert;
            _analyzers.Add(subRun, analyzer);
        }

        return analyzer;
    }

    private void OnAlert(Alert alert)
    {
        _alerts.Add(alert);
        string severity = alert.Severity.ToWireString();
        switch (alert.Severity)
        {
            case AlertSeverity.Critical:
                Log.CriticalAlert(_logger, alert.Kind, severity, alert.Step, alert.Tag, alert.Message);
                break;
            case AlertSeverity.Warning:
                Log.WarningAlert(_logger, alert.Kind, severity, alert.Step, alert.Tag, alert.Message);
                break;
            default:
                Log.InfoAlert(_logger, alert.Kind, severity, alert.Step, alert.Tag, alert.Message);
                break;
        }

        if (_options.StopOnCritical && alert.Severity == AlertSeverity.Critical && _stopAlert is null)
        {
            _stopAlert = alert;
        }

        try
        {
            AlertRaised?.Invoke(alert);
        }
#pragma warning disable CA1031 // A user's handler must not stop the analysis of later points.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(_logger, ex);
        }
    }

    private static HistogramSnapshot ToSnapshot(HistogramData h) =>
        new(h.Min, h.Max, h.Num, h.Sum, h.SumSquares, h.BucketLimits, h.BucketCounts, h.NanCount, h.InfinityCount);
}
