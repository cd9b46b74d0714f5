namespace TbBridge.Analysis;

/// <summary>
/// Thresholds of the rules, immutable. Every default is explained, with its source, in docs/detection.md.
/// Windows are counted in points of one tag, not in steps, so they mean the same for per-step and per-epoch logging.
/// </summary>
public sealed class AnalysisOptions
{
    /// <summary>The defaults.</summary>
    public static AnalysisOptions Default { get; } = new();

    /// <summary>How tags map to roles.</summary>
    public SignalRules SignalRules { get; init; } = SignalRules.Default;

    /// <summary>
    /// Rules switched off, by the kind they raise (<see cref="AlertKind"/> constants): alerts of these kinds are never
    /// raised, and a rule whose every kind is listed does not run. Empty by default.
    /// </summary>
    public IReadOnlySet<string> DisabledRules { get; init; } = System.Collections.Frozen.FrozenSet<string>.Empty;

    /// <summary>Points a tag needs before spike, oscillation and divergence baselines count (warm-up).</summary>
    public int MinHistory { get; init; } = 20;

    /// <summary>Divergence: consecutive rising points required.</summary>
    public int DivergenceRisingPoints { get; init; } = 3;

    /// <summary>Divergence: the last two points must each be this many times the median before them.</summary>
    public double DivergenceFactor { get; init; } = 10;

    /// <summary>Slow divergence: the smoothed level is this many times its best level, and above its level at the start.</summary>
    public double SlowDivergenceFactor { get; init; } = 3;

    /// <summary>
    /// Divergence: the smoothed level of the training loss is this many times its level at the start (the untrained
    /// model), significantly — whatever happened in between.
    /// </summary>
    public double DivergenceAboveStart { get; init; } = 5;

    /// <summary>
    /// Loss spike: a point at least this many times the rolling median (the floor that keeps a very quiet loss's tiny
    /// bumps out)...
    /// </summary>
    public double SpikeFactor { get; init; } = 1.5;

    /// <summary>...and at least this many robust standard deviations (MAD of log values) above it.</summary>
    public double SpikeMinZ { get; init; } = 6;

    /// <summary>
    /// Loss spike on a short curve (a sparse, epoch-level loss with 5 to <see cref="MinHistory"/> points, too few for a
    /// spread): a point at least this many times the median of the points before it.
    /// </summary>
    public double ShortSpikeFactor { get; init; } = 10;

    /// <summary>
    /// Exploding gradients: a gradient-norm point at least this many times its rolling median (and <see cref="SpikeMinZ"/>
    /// robust sigmas above it) is spike-grade; see <see cref="ExplodingRepeatedSpikes"/>.
    /// </summary>
    public double GradSpikeFactor { get; init; } = 10;

    /// <summary>Oscillation: excursions (a held-out point at least this many times the rolling median)...</summary>
    public double OscillationFactor { get; init; } = 2;

    /// <summary>...of which at least this many...</summary>
    public int OscillationMinExcursions { get; init; } = 3;

    /// <summary>...within this many points of the held-out loss, or this many spikes within 10x as many training points.</summary>
    public int OscillationWindow { get; init; } = 20;

    /// <summary>Plateau: the loss level stays within this fraction of its starting level...</summary>
    public double PlateauTolerance { get; init; } = 0.03;

    /// <summary>...for at least this many points of a per-step tag (streaming)...</summary>
    public int PlateauMinPoints { get; init; } = 200;

    /// <summary>...or this many points of a sparse tag (held-out, per-epoch).</summary>
    public int PlateauMinSparsePoints { get; init; } = 20;

    /// <summary>
    /// Plateau, stalled: after twice <see cref="PlateauMinPoints"/> points, the main training loss's second half sits
    /// less than this fraction below its start, and confidently no more than 10% below its first half: it learned a
    /// little, then stopped.
    /// </summary>
    public double PlateauStallImprovement { get; init; } = 0.2;

    /// <summary>Overfitting: the held-out loss is this fraction above its best...</summary>
    public double OverfitRise { get; init; } = 0.25;

    /// <summary>...having given back at least this fraction of the improvement it made from its first value...</summary>
    public double OverfitGivenBack { get; init; } = 0.25;

    /// <summary>...for this many held-out points in a row, while the training loss does not get worse.</summary>
    public int OverfitConsecutive { get; init; } = 3;

    /// <summary>
    /// Overfitting, generalisation gap: when training and held-out accuracies are both logged, overfitting needs the
    /// training accuracy this far above the held-out one (0..1): a held-out loss that creeps up while the held-out
    /// accuracy keeps up with the training accuracy is not it.
    /// </summary>
    public double OverfitAccuracyGap { get; init; } = 0.1;

    /// <summary>
    /// Overfitting, mild form: with that gap, a held-out loss this fraction above its best point (and above its noise)
    /// while the training loss is less than half of it.
    /// </summary>
    public double OverfitMildRise { get; init; } = 0.05;

    /// <summary>Exploding gradients: a gradient norm above this is never healthy.</summary>
    public double ExplodingGradNorm { get; init; } = 1e4;

    /// <summary>Exploding gradients: growth by this factor over consecutive rising points.</summary>
    public double ExplodingGrowthFactor { get; init; } = 100;

    /// <summary>Exploding gradients: this many spike-grade gradient-norm points (<see cref="GradSpikeFactor"/>) within 100 points.</summary>
    public int ExplodingRepeatedSpikes { get; init; } = 3;

    /// <summary>Vanishing gradients: smallest over largest per-parameter gradient norm below this.</summary>
    public double VanishingRatio { get; init; } = 1e-3;

    /// <summary>Vanishing gradients: a global gradient norm level below this.</summary>
    public double VanishingGradNorm { get; init; } = 1e-8;

    /// <summary>Dead ReLU: fraction of exact zeros in a non-negative activation histogram...</summary>
    public double DeadFraction { get; init; } = 0.95;

    /// <summary>...over this many snapshots in a row. Also used by class collapse.</summary>
    public int ConsecutiveSnapshots { get; init; } = 3;

    /// <summary>Class collapse: share of the most predicted class.</summary>
    public double CollapseShare { get; init; } = 0.9;

    /// <summary>Progress gate: a loss counts as having learned once its level fell this fraction below its start.</summary>
    public double LearnedFraction { get; init; } = 0.2;

    /// <summary>Weights unchanged: largest relative change of any weight statistic between the first and last snapshot.</summary>
    public double UnchangedRelative { get; init; } = 1e-7;

    /// <summary>
    /// Tags one analyser (one worker of a run) keeps state for, scalars and histograms together (a histogram tag that
    /// holds several histograms at one step counts each). The tags the rules know as losses, accuracies, gradient norms,
    /// learning rates and NaN counts may use all of it; any other tag only the first three quarters, so that a run that
    /// logs thousands of other tags first still has its losses analysed. Points of a tag beyond the bound are not
    /// analysed (<see cref="RunAnalyzer.PointsNotAnalysed"/>). About 2 KB a scalar tag: 4,096 tags are about 8 MB.
    /// </summary>
    public int MaxTags { get; init; } = 4096;

    /// <summary>
    /// Hysteresis: an alert whose condition cleared is raised again for the same subject (tag, layer) only after the
    /// rule saw the condition absent on this many of the subject's points (snapshots, for the histogram rules) since it
    /// was last present; until then a return of the condition is the same episode and raises nothing.
    /// </summary>
    public int RecoveryPoints { get; init; } = 5;

    /// <summary>Alerts of one kind about one subject, at most, whatever the signal does (later episodes raise nothing).</summary>
    public int MaxAlertsPerSubject { get; init; } = 10;

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> on a nonsensical one.</summary>
    public AnalysisOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(SignalRules);
        ArgumentNullException.ThrowIfNull(DisabledRules);
        foreach (var kind in DisabledRules)
        {
            if (!AlertKind.All.Contains(kind, StringComparer.Ordinal))
            {
                throw new ArgumentException($"DisabledRules: '{kind}' is not an alert kind ({string.Join(", ", AlertKind.All)})", nameof(DisabledRules));
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinHistory, 3);
        ArgumentOutOfRangeException.ThrowIfLessThan(DivergenceRisingPoints, 2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DivergenceFactor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SlowDivergenceFactor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DivergenceAboveStart, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SpikeFactor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(GradSpikeFactor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ShortSpikeFactor, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(SpikeMinZ);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(OscillationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(OscillationMinExcursions, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(OscillationWindow, OscillationMinExcursions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PlateauTolerance);
        ArgumentOutOfRangeException.ThrowIfLessThan(PlateauMinPoints, 10);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PlateauStallImprovement);
        ArgumentOutOfRangeException.ThrowIfLessThan(PlateauMinSparsePoints, 3);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(OverfitRise);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(OverfitGivenBack);
        ArgumentOutOfRangeException.ThrowIfLessThan(OverfitConsecutive, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(OverfitAccuracyGap);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(OverfitMildRise);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ExplodingGradNorm);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ExplodingGrowthFactor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ExplodingRepeatedSpikes, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(VanishingRatio);
        ArgumentOutOfRangeException.ThrowIfNegative(VanishingGradNorm);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DeadFraction);
        ArgumentOutOfRangeException.ThrowIfLessThan(ConsecutiveSnapshots, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(CollapseShare);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearnedFraction);
        ArgumentOutOfRangeException.ThrowIfNegative(UnchangedRelative);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTags, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(RecoveryPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAlertsPerSubject, 1);
        return this;
    }
}
