using System.Text.RegularExpressions;
using TbBridge.Analysis.Internal;
using TbBridge.Analysis.Internal.Rules;

namespace TbBridge.Analysis;

/// <summary>
/// Streams one run's points through the rules and raises <see cref="Alert"/>s. One per run; not thread-safe;
/// deterministic (the same points in the same order give the same alerts); memory is bounded per tag.
/// Alerts are deduplicated: one per episode of a (kind, subject), a new episode only after a recovery
/// (<see cref="AnalysisOptions.RecoveryPoints"/>), and at most <see cref="AnalysisOptions.MaxAlertsPerSubject"/> per
/// (kind, subject). State is kept for <see cref="AnalysisOptions.MaxTags"/> tags at most.
/// </summary>
/// <remarks>
/// The facade classifies each tag once, keeps its series, gates everything on a breakdown (after the training signals
/// went non-finite the other rules stop), and dispatches each point to the rules that watch its role
/// (<c>Internal/Rules</c>, one class per rule). The rules share one <c>RunContext</c>.
/// </remarks>
public sealed partial class RunAnalyzer
{
    private readonly AnalysisOptions _options;
    private readonly RunContext _context;
    private readonly NanInfRule _nanInf;
    private readonly RuleDispatch _rules;
    private readonly TagTable _own;
    private readonly Dictionary<string, TagTable> _subRuns = new(StringComparer.Ordinal);
    private readonly int _openTags;
    private bool _completed;
    private bool _limitReported;

    /// <summary>Creates the analyser of the run named <paramref name="run"/>.</summary>
    public RunAnalyzer(string run, AnalysisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        Run = run;
        _options = (options ?? AnalysisOptions.Default).Validate();
        var last = run.TrimEnd('/', '\\');
        last = last[(last.LastIndexOfAny(['/', '\\']) + 1)..];
        _own = new TagTable(string.Empty, HeldOutRunName().IsMatch(last) ? SubRunRole.HeldOut : SubRunRole.Other);
        _context = new RunContext(run, _options, alert => AlertRaised?.Invoke(alert));
        _nanInf = new NanInfRule(_context);
        var disabled = _options.DisabledRules;
        _openTags = _options.MaxTags - (_options.MaxTags / 4);
        _rules = new RuleDispatch([.. RuleCatalog.Create(_context, _nanInf).Where(r => r == _nanInf || r.Descriptors.Any(d => !disabled.Contains(d.Kind)))]);
    }

    /// <summary>Raised synchronously for each new alert, in order.</summary>
    public event Action<Alert>? AlertRaised;

    /// <summary>The run's name, as given.</summary>
    public string Run { get; }

    /// <summary>Every alert raised so far, in order.</summary>
    public IReadOnlyList<Alert> Alerts => _context.Alerts;

    /// <summary>Points observed so far (scalars and histograms).</summary>
    public long PointsObserved => _context.PointsObserved;

    /// <summary>
    /// The role given to a tag seen so far, or <see cref="SignalRole.Unknown"/>; a sub-run's tags by their full name
    /// (<c>validation/epoch_loss</c>).
    /// </summary>
    public SignalRole RoleOf(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (RoleIn(_own, tag) is { } own)
        {
            return own;
        }

        foreach (var table in _subRuns.Values)
        {
            if (tag.Length > table.SubRun.Length + 1 && tag.StartsWith(table.SubRun, StringComparison.Ordinal) && tag[table.SubRun.Length] == '/'
                && RoleIn(table, tag[(table.SubRun.Length + 1)..]) is { } role)
            {
                return role;
            }
        }

        return SignalRole.Unknown;
    }

    /// <summary>
    /// Ends the stream: runs the end-of-run checks (plateau over the whole run, weights unchanged, unrecognised signals,
    /// a held-out NaN still waiting for confirmation). Idempotent; no point may be observed afterwards.
    /// </summary>
    public void Complete()
    {
        if (_completed)
        {
            return;
        }

        foreach (var rule in _rules.All)
        {
            rule.OnComplete();
        }

        _completed = true;
    }

    private static SignalRole? RoleIn(TagTable table, string tag) =>
        table.ScalarRoles.TryGetValue(tag, out var s) ? s.Role : table.Histograms.TryGetValue(tag, out var h) ? h.Signal.Role : null;

    private SignalClassification Classify(TagTable table, string tag, SignalKind kind)
    {
        var c = RoleFor(table, tag, kind);
        _context.ClassifiedTags++;
        if (table.SubRun.Length > 0)
        {
            _context.SubRunOfTag[table.NameOf(tag)] = table.SubRun;
        }

        return c;
    }

    /// <summary>The tag's classification, with nothing recorded.</summary>
    private SignalClassification RoleFor(TagTable table, string tag, SignalKind kind)
    {
        var c = _options.SignalRules.Classify(tag, kind);
        if (table.Role == SubRunRole.HeldOut)
        {
            // Keras writes train/ and validation/ as sibling runs with the same tags (epoch_loss, epoch_accuracy).
            c = c.Role switch
            {
                SignalRole.TrainLoss => c with { Role = SignalRole.ValLoss },
                SignalRole.TrainAccuracy => c with { Role = SignalRole.ValAccuracy },
                SignalRole.TrainClassScore => c with { Role = SignalRole.ValClassScore },
                _ => c,
            };
        }

        return c;
    }

    private TagTable TableOf(SubRun subRun)
    {
        ArgumentNullException.ThrowIfNull(subRun);
        if (subRun.Name.Length == 0)
        {
            return _own;
        }

        if (!_subRuns.TryGetValue(subRun.Name, out var table))
        {
            table = new TagTable(subRun.Name, subRun.Role);
            _subRuns.Add(subRun.Name, table);
        }

        return table;
    }

    private void Touch(long step, double wallTime)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The run was completed: create a new RunAnalyzer for new points.");
        }

        _context.PointsObserved++;
        if (_context.PointHooksArmed)
        {
            foreach (var rule in _rules.EveryPoint)
            {
                rule.OnPoint(step);
            }
        }

        if (step >= _context.LastStep)
        {
            _context.LastStep = step;
            _context.LastWallTime = wallTime;
        }
    }

    private void NoteUnknown(string tag)
    {
        if (_context.UnknownTags.Count < 10_000)
        {
            _context.UnknownTags.Add(tag);
        }
    }

    [GeneratedRegex(@"^(?:val|valid|validation|eval|evaluation|test|dev|holdout)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeldOutRunName();
}
