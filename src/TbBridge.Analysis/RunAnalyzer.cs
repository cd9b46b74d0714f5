using System.Text.RegularExpressions;
using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

/// <summary>
/// Streams one run's points through the rules and raises <see cref="Alert"/>s. One per run; not thread-safe;
/// deterministic (the same points in the same order give the same alerts); memory is bounded per tag.
/// Alerts are deduplicated: one per (kind, subject) until the condition clears.
/// </summary>
public sealed partial class RunAnalyzer
{
    private readonly AnalysisOptions _options;
    private readonly Dictionary<string, SignalClassification> _scalarRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SignalClassification> _histogramRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScalarSeries> _series = new(StringComparer.Ordinal);
    private readonly HashSet<(string Kind, string Subject)> _active = [];
    private readonly List<Alert> _alerts = [];
    private long _lastStep;
    private double _lastWallTime;
    private readonly bool _heldOutRun;
    private bool _completed;

    /// <summary>Creates the analyser of the run named <paramref name="run"/>.</summary>
    public RunAnalyzer(string run, AnalysisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        Run = run;
        _options = (options ?? AnalysisOptions.Default).Validate();
        var last = run.TrimEnd('/', '\\');
        last = last[(last.LastIndexOfAny(['/', '\\']) + 1)..];
        _heldOutRun = HeldOutRunName().IsMatch(last);
    }

    /// <summary>Raised synchronously for each new alert, in order.</summary>
    public event Action<Alert>? AlertRaised;

    /// <summary>The run's name, as given.</summary>
    public string Run { get; }

    /// <summary>Every alert raised so far, in order.</summary>
    public IReadOnlyList<Alert> Alerts => _alerts;

    /// <summary>Points observed so far (scalars and histograms).</summary>
    public long PointsObserved { get; private set; }

    /// <summary>The role given to a tag seen so far, or <see cref="SignalRole.Unknown"/>.</summary>
    public SignalRole RoleOf(string tag) =>
        _scalarRoles.TryGetValue(tag, out var s) ? s.Role : _histogramRoles.TryGetValue(tag, out var h) ? h.Role : SignalRole.Unknown;

    private SignalClassification Classify(string tag, SignalKind kind)
    {
        var map = kind == SignalKind.Scalar ? _scalarRoles : _histogramRoles;
        if (!map.TryGetValue(tag, out var c))
        {
            c = _options.SignalRules.Classify(tag, kind);
            if (_heldOutRun)
            {
                // Keras writes train/ and validation/ as separate runs with the same tags (epoch_loss, epoch_accuracy).
                c = c.Role switch
                {
                    SignalRole.TrainLoss => c with { Role = SignalRole.ValLoss },
                    SignalRole.TrainAccuracy => c with { Role = SignalRole.ValAccuracy },
                    _ => c,
                };
            }

            map.Add(tag, c);
        }

        return c;
    }

    private void Touch(long step, double wallTime)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The run was completed: create a new RunAnalyzer for new points.");
        }

        PointsObserved++;
        FlushPendingSpike(step);
        if (step >= _lastStep)
        {
            _lastStep = step;
            _lastWallTime = wallTime;
        }
    }

    private bool IsActive(string kind, string subject) => _active.Contains((kind, subject));

    private void Clear(string kind, string subject) => _active.Remove((kind, subject));

    private bool Raise(
        string kind,
        AlertSeverity severity,
        string subject,
        long step,
        double wallTime,
        string tag,
        string message,
        IReadOnlyDictionary<string, double> evidence,
        IReadOnlyList<string>? tags = null)
    {
        if (!_active.Add((kind, subject)))
        {
            return false;
        }

        var alert = new Alert(Run, kind, severity, step, tag, tags ?? [tag], subject, message, AlertTexts.Hint(kind), evidence, wallTime);
        _alerts.Add(alert);
        AlertRaised?.Invoke(alert);
        return true;
    }

    [GeneratedRegex(@"^(?:val|valid|validation|eval|evaluation|test|dev|holdout)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeldOutRunName();
}
