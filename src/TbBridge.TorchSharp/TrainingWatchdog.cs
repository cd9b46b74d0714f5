using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TbBridge.Analysis;
using TbBridge.TorchSharp.Internal;

namespace TbBridge.TorchSharp;

/// <summary>
/// The analysis engine running in-process on everything a <see cref="SummaryWriter"/> logs: add it to the
/// writer's <see cref="SummaryWriterOptions.Sinks"/>. Each alert raises <see cref="AlertRaised"/> and is logged;
/// with <see cref="TrainingWatchdogOptions.StopOnCritical"/>, a critical alert makes
/// <see cref="TrainingMonitor.Step(long, double)"/> throw <see cref="TrainingStoppedException"/>: at the very step
/// whose monitor points raised it (see <see cref="TrainingWatchdogOptions.StopOnCritical"/>).
/// </summary>
/// <remarks>
/// The writer feeds its sinks from its background loop, so <see cref="AlertRaised"/> and <see cref="Alerts"/> see a
/// point a few milliseconds after it was logged; after <see cref="SummaryWriter.Flush"/> every point logged before it
/// has been analysed. The decision to stop is not left to that loop: the <see cref="TrainingMonitor"/> given this
/// watchdog also hands it, synchronously, the points it logs, and <see cref="TrainingMonitor.Step(long, double)"/>
/// throws before it returns when they raise a critical alert — for a given seed, at the same step every time.
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
    private readonly TimeProvider _time;
    private Alert? _stopAlert;
    private bool _completed;

    /// <summary>A watchdog with the given settings (defaults when null).</summary>
    public TrainingWatchdog(TrainingWatchdogOptions? options = null)
    {
        _options = options ?? new TrainingWatchdogOptions();
        ArgumentNullException.ThrowIfNull(_options.Analysis, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.RunName, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.TimeProvider, nameof(options));
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TrainingWatchdog>();
        _time = _options.TimeProvider;
        if (_options.StopOnCritical)
        {
            Probe = new StopProbe(_options.RunName, _options.Analysis, RequestStop);
        }
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
    public Alert? StopAlert => Volatile.Read(ref _stopAlert);

    /// <summary>
    /// The stop decision fed synchronously by a <see cref="TrainingMonitor"/> (null without
    /// <see cref="TrainingWatchdogOptions.StopOnCritical"/>).
    /// </summary>
    internal StopProbe? Probe { get; }

    /// <summary>
    /// Throws <see cref="TrainingStoppedException"/> when an alert has asked training to stop. Its
    /// <see cref="TrainingStoppedException.Step"/> is null: prefer <see cref="ThrowIfStopRequested(long)"/>.
    /// </summary>
    public void ThrowIfStopRequested()
    {
        if (StopAlert is { } alert)
        {
            throw new TrainingStoppedException(alert);
        }
    }

    /// <summary>
    /// Throws <see cref="TrainingStoppedException"/> naming <paramref name="step"/> (the step at which training
    /// stops) when an alert has asked training to stop.
    /// </summary>
    public void ThrowIfStopRequested(long step)
    {
        if (StopAlert is { } alert)
        {
            throw new TrainingStoppedException(alert, step);
        }
    }

    /// <summary>The wall time the monitor gives the points it hands the probe, as the writer stamps its own.</summary>
    internal double Now() => (_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;

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
                AnalyzerFor(point.Run).ObserveHistogram(point.Tag, point.Step, point.WallTime, Snapshots.Of(h));
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

        if (_options.StopOnCritical && alert.Severity == AlertSeverity.Critical)
        {
            RequestStop(alert);
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

    // The first critical alert wins, whichever side (the monitor's probe, the writer's loop) raised it.
    private void RequestStop(Alert alert) => Interlocked.CompareExchange(ref _stopAlert, alert, null);
}
