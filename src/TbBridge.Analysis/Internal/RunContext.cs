using System.Globalization;
using System.Text.RegularExpressions;

namespace TbBridge.Analysis.Internal;

/// <summary>
/// What the rules of one run share: the options, the loss series, the questions every rule asks of them (which loss is
/// the main one, has it learned, has it stalled, is the learning rate still warming up or did it just jump), the
/// per-parameter gradient norms, whether training broke down, and the one place alerts are raised and deduplicated.
/// </summary>
internal sealed partial class RunContext
{
    private readonly Dictionary<(string Kind, string Subject), AlertEpisode> _episodes = [];
    private readonly List<Alert> _alerts = [];
    private readonly Action<Alert> _raised;
    private GradientSpread? _spread;
    private string? _lrTag;
    private long? _breakdownStep;

    public RunContext(string run, AnalysisOptions options, Action<Alert> raised)
    {
        Run = run;
        Options = options;
        _raised = raised;
    }

    public string Run { get; }

    public AnalysisOptions Options { get; }

    public IReadOnlyList<Alert> Alerts => _alerts;

    public List<ScalarSeries> TrainLosses { get; } = [];

    public List<ScalarSeries> ValLosses { get; } = [];

    public List<ScalarSeries> TrainAccuracies { get; } = [];

    public List<ScalarSeries> ValAccuracies { get; } = [];

    /// <summary>The last five gradient norms of each parameter tensor (from per-parameter norms or gradient histograms).</summary>
    public Dictionary<string, ParamNorm> ParamNorms { get; } = new(StringComparer.Ordinal);

    /// <summary>The first parameter seen: the ratio rules are judged once per round of norms, on its points.</summary>
    public string? FirstParamSubject { get; private set; }

    /// <summary>Tags no rule maps to a role (bounded).</summary>
    public HashSet<string> UnknownTags { get; } = new(StringComparer.Ordinal);

    /// <summary>The sub-run of each tag that came from one (by the name the rules know it by).</summary>
    public Dictionary<string, string> SubRunOfTag { get; } = new(StringComparer.Ordinal);

    /// <summary>Tags classified so far, scalars and histograms.</summary>
    public int ClassifiedTags { get; set; }

    public long PointsObserved { get; set; }

    /// <summary>Tags (and numbered histograms of one tag) given state, at most <see cref="AnalysisOptions.MaxTags"/>.</summary>
    public int AnalysedTags { get; set; }

    /// <summary>Distinct tags turned away by the bound, counted while they are remembered (up to <see cref="AnalysisOptions.MaxTags"/>).</summary>
    public int RefusedTags { get; set; }

    /// <summary>Points of tags beyond the bound: observed, not analysed.</summary>
    public long PointsNotAnalysed { get; set; }

    /// <summary>True while some rule holds a finding until a later point (the facade calls the per-point hooks only then).</summary>
    public bool PointHooksArmed { get; set; }

    public long LastStep { get; set; }

    public double LastWallTime { get; set; }

    /// <summary>The step at which the training signals went non-finite, if they did (set once; <see cref="BrokeDown"/> is told first).</summary>
    public long? BreakdownStep
    {
        get => _breakdownStep;
        set
        {
            if (_breakdownStep is null && value is not null)
            {
                BrokeDown?.Invoke();
            }

            _breakdownStep = value;
        }
    }

    /// <summary>Raised when the training signals first go non-finite, before the breakdown's alert: a rule holding a finding until the next point reports it now.</summary>
    public event Action? BrokeDown;

    /// <summary>The last step at which the learning rate went up (warm-up).</summary>
    public long? LastLrIncreaseStep { get; private set; }

    /// <summary>The last step at which the learning rate jumped up 1.5x or more (a warm restart, a step up).</summary>
    public long? LastLrJumpStep { get; private set; }

    private double LastLr { get; set; } = double.NaN;

    /// <summary>After the training signals went non-finite, other rules stop: what follows is debris of the breakdown.</summary>
    public bool AfterBreakdown(long step) => BreakdownStep is { } b && step > b;

    /// <summary>
    /// One learning rate of the run: the first tag seen. Lightning logs one per parameter group (<c>lr-SGD/pg1</c>,
    /// <c>lr-SGD/pg2</c>); read together, two constant rates would look like a jump at every point.
    /// </summary>
    public void OnLearningRate(string tag, long step, double value)
    {
        _lrTag ??= tag;
        if (!string.Equals(tag, _lrTag, StringComparison.Ordinal))
        {
            return;
        }

        if (value > LastLr * 1.000001)
        {
            LastLrIncreaseStep = step;
        }

        if (value >= 1.5 * LastLr && LastLr > 0)
        {
            LastLrJumpStep = step; // a warm restart or a step up: the loss may jump on purpose
        }

        LastLr = value;
    }

    /// <summary>The spread of the per-parameter gradient norms now (computed once per new norm, for every rule that asks).</summary>
    public GradientSpread GradientSpread()
    {
        if (_spread is not { } spread)
        {
            _spread = spread = Internal.GradientSpread.Of(ParamNorms.Values);
        }

        return spread;
    }

    /// <summary>Records one gradient norm of a parameter tensor; true when it is the first parameter's (a new round).</summary>
    public bool AddParamNorm(string subject, string tag, double norm)
    {
        _spread = null;
        if (!ParamNorms.TryGetValue(subject, out var p))
        {
            p = new ParamNorm(subject, tag, !ExemptFromVanishing().IsMatch(subject));
            ParamNorms.Add(subject, p);
            FirstParamSubject ??= subject;
        }

        p.Add(norm);
        return subject == FirstParamSubject;
    }

    /// <summary>The training loss with the most points, or null when there is none.</summary>
    public ScalarSeries? PrimaryLoss()
    {
        ScalarSeries? best = null;
        foreach (var s in TrainLosses)
        {
            if (best is null || s.Count > best.Count)
            {
                best = s;
            }
        }

        return best;
    }

    /// <summary>
    /// True when the primary loss had time to improve (100 per-step or 10 sparse points) and its level is still above
    /// (1 - <see cref="AnalysisOptions.LearnedFraction"/>) of its start; also true when no loss is logged at all (the gradients are then the only evidence).
    /// </summary>
    public bool LossStalled()
    {
        var s = PrimaryLoss() ?? (ValLosses.Count > 0 ? ValLosses[0] : null);
        return s is null || (s.Count >= (s.IsSparse ? 10 : 100) && !(s.Initial > 0 && s.Level <= (1 - Options.LearnedFraction) * s.Initial));
    }

    /// <summary>The held-out loss (else the training loss) fell at least <see cref="AnalysisOptions.LearnedFraction"/> below its start at some point.</summary>
    public bool HasLearned()
    {
        var s = ValLosses.Count > 0 ? ValLosses[0] : PrimaryLoss();
        return s is not null && s.StartLevel > 0 && s.BestLevel <= (1 - Options.LearnedFraction) * s.StartLevel;
    }

    /// <summary>
    /// How much better the model does on training data than on held-out data now: the training accuracy (mean of its
    /// last 32 points: one batch's accuracy is coarse) minus the held-out accuracy (mean of its last 3), on a 0..1
    /// scale (percentages are divided by 100); null unless both are logged.
    /// </summary>
    public double? AccuracyGap()
    {
        if (Longest(TrainAccuracies) is not { } train || Longest(ValAccuracies) is not { } val)
        {
            return null;
        }

        static double Scaled(ScalarSeries s, int n) => s.RecentMean(n) / (s.Median > 1.5 ? 100 : 1);
        return Scaled(train, 32) - Scaled(val, 3);
    }

    private static ScalarSeries? Longest(List<ScalarSeries> series)
    {
        ScalarSeries? best = null;
        foreach (var s in series)
        {
            if (s.Count > 0 && (best is null || s.Count > best.Count))
            {
                best = s;
            }
        }

        return best;
    }

    /// <summary>False while the learning rate is still rising (warm-up) in the second half of the tag's span.</summary>
    public bool LearningRateSettled(ScalarSeries s) =>
        LastLrIncreaseStep is not { } up || up <= s.FirstStep + ((s.LastStep - s.FirstStep) / 2);

    /// <summary>A gradient norm that runs away is divergence only if the loss moves up with it (or no loss is logged).</summary>
    public bool LossConfirmsGrowth()
    {
        var loss = PrimaryLoss();
        return loss is null || (loss.Median > 0 && loss.Last >= 2 * loss.Median);
    }

    /// <summary>Raisings held back: the episode was still on (no real recovery since the last alert), or the subject had its cap.</summary>
    public long SuppressedAlerts { get; private set; }

    public bool IsActive(string kind, string subject) => _episodes.TryGetValue((kind, subject), out var e) && e.Active;

    /// <summary>
    /// The rule saw the condition absent on one point of the subject. True once the alert may be raised again (it never
    /// was, or the condition has been absent on <see cref="AnalysisOptions.RecoveryPoints"/> points since it was last present).
    /// </summary>
    public bool Clear(string kind, string subject)
    {
        if (!_episodes.TryGetValue((kind, subject), out var e))
        {
            return true;
        }

        e.Active = false;
        if (e.Absent < int.MaxValue)
        {
            e.Absent++;
        }

        return e.Absent >= Options.RecoveryPoints;
    }

    /// <summary>
    /// Raises an alert unless the kind is switched off or an episode of the same kind and subject is on: one alert per
    /// episode, a new episode only after <see cref="AnalysisOptions.RecoveryPoints"/> points without the condition, and at
    /// most <see cref="AnalysisOptions.MaxAlertsPerSubject"/> alerts per kind and subject.
    /// </summary>
    public bool Raise(
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
        if (Options.DisabledRules.Contains(kind))
        {
            return false;
        }

        if (!_episodes.TryGetValue((kind, subject), out var episode))
        {
            episode = new AlertEpisode();
            _episodes.Add((kind, subject), episode);
        }
        else if (episode.Active)
        {
            return false;
        }

        var recovered = episode.Raised == 0 || episode.Absent >= Options.RecoveryPoints;
        episode.Active = true;
        episode.Absent = 0;
        if (!recovered || episode.Raised >= Options.MaxAlertsPerSubject)
        {
            // The condition came back before a real recovery (the same episode), or the subject had its share.
            SuppressedAlerts++;
            return false;
        }

        episode.Raised++;

        var alert = new Alert(Run, kind, severity, step, tag, tags ?? [tag], subject, message, AlertTexts.Hint(kind), evidence, wallTime)
        {
            SubRun = SubRunOfTag.GetValueOrDefault(tag),
        };
        _alerts.Add(alert);
        _raised(alert);
        return true;
    }

    public static string Fmt(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    public static Dictionary<string, double> Evidence(params (string Name, double Value)[] items)
    {
        var d = new Dictionary<string, double>(items.Length, StringComparer.Ordinal);
        foreach (var (name, value) in items)
        {
            d[name] = value;
        }

        return d;
    }

    /// <summary>One (kind, subject): whether its condition is on, the alerts raised for it, and its points without the condition since.</summary>
    private sealed class AlertEpisode
    {
        public bool Active { get; set; }

        public int Raised { get; set; }

        public int Absent { get; set; }
    }

    [GeneratedRegex(@"(?:^|[/_.\-])(?:bias|b|beta|gamma|bn\d*|norm|layernorm|ln\d*|batchnorm|running_\w+)(?:$|[/_.\-])|bias$|norm\d*(?:$|[/_.\-])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExemptFromVanishing();
}
