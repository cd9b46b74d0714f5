namespace TbBridge.Analysis.Internal;

/// <summary>
/// Bounded state of one scalar tag: a ring of the last 64 finite values, the level at the start, the smoothed level
/// (median of the most recent quarter, 3 to 32 points) and its best, cached median and log-MAD of the ring.
/// </summary>
internal sealed class ScalarSeries
{
    public const int Capacity = 64;

    /// <summary>Once the ring is full, the median and level are refreshed every this many points (bounded lag, amortised cost).</summary>
    public const int RefreshEvery = 8;
    private const int Mask = Capacity - 1;

    /// <summary>The slot of the loss-spike rule's state.</summary>
    public const int SpikeSlot = 0;

    /// <summary>The slot of the exploding-gradients rule's spike-grade points.</summary>
    public const int GradSpikeSlot = 3;

    /// <summary>The slot of the held-out excursions of the oscillation rule.</summary>
    public const int ExcursionSlot = 1;

    /// <summary>The slot of the overfitting rule's state.</summary>
    public const int OverfitSlot = 2;

    private readonly double[] _ring = new double[Capacity];
    private readonly object?[] _slots = new object?[4];
    private readonly double[] _scratch = new double[Capacity];
    private readonly double[] _levelScratch = new double[32];
    private readonly double[] _first = new double[7];
    private readonly int _firstCount;
    private readonly bool _epochTag;
    private int _sinceRefresh;
    private double _logSigma = double.NaN;
    private int _recentSpreadN;
    private (double Median, double Max, double LogSigma) _recentSpread;
    private bool _logSigmaStale;

    public ScalarSeries(string tag, SignalClassification signal)
    {
        Tag = tag;
        Signal = signal;

        // The starting level: median of the first 3 points of a sparse tag, of the first 7 of a per-step one (noisier).
        _epochTag = tag.Contains("epoch", StringComparison.OrdinalIgnoreCase);
        _firstCount = signal.Role is SignalRole.ValLoss or SignalRole.ValAccuracy || _epochTag ? 3 : 7;
        History = signal.Role is SignalRole.TrainLoss ? new LevelHistory() : null;
    }

    public string Tag { get; }

    /// <summary>
    /// True for a running mean since the epoch began (Keras's <c>batch_*</c> tags): it restarts at every epoch, so its
    /// first point of an epoch is one batch's value next to an average; single points are not judged against it.
    /// </summary>
    public bool RunningMean { get; init; }

    public SignalClassification Signal { get; }

    /// <summary>Finite points seen.</summary>
    public long Count { get; private set; }

    public long FirstStep { get; private set; } = -1;

    public long LastStep { get; private set; }

    public double LastWallTime { get; private set; }

    /// <summary>Last finite value.</summary>
    public double Last { get; private set; } = double.NaN;

    /// <summary>The first finite value (for a held-out loss: the model before, or barely after, any training).</summary>
    public double First { get; private set; } = double.NaN;

    /// <summary>The higher of <see cref="First"/> and <see cref="Initial"/>: where the tag started, for "has it ever improved".</summary>
    public double StartLevel => Math.Max(First, Initial);

    /// <summary>
    /// Point-to-point noise of the log values, blind to trends: MAD of successive log differences over the ring,
    /// scaled to one point's sigma (x 1.4826 / sqrt 2). Computed on demand.
    /// </summary>
    public double LogNoise
    {
        get
        {
            var n = (int)Math.Min(Count, Capacity);
            if (n < 3)
            {
                return double.NaN;
            }

            var span = _scratch.AsSpan(0, n - 1);
            var k = 0;
            for (var i = 0; i < n - 1; i++)
            {
                var newer = _ring[(int)((Count - 1 - i) & Mask)];
                var older = _ring[(int)((Count - 2 - i) & Mask)];
                if (newer > 0 && older > 0)
                {
                    span[k++] = Math.Abs(Math.Log(newer / older));
                }
            }

            return k == 0 ? double.NaN : RobustStats.MedianInPlace(span[..k]) * RobustStats.MadToSigma / Math.Sqrt(2);
        }
    }

    /// <summary>Median of the first 3 (sparse tags) or 7 (per-step tags) finite values.</summary>
    public double Initial { get; private set; } = double.NaN;

    /// <summary>How many first values <see cref="Initial"/> is the median of, once there are that many.</summary>
    public int InitialPoints => _firstCount;

    /// <summary>Consecutive strict increases ending at the last value.</summary>
    public int Rising { get; private set; }

    /// <summary>Median of the ring (refreshed every point while young, then every <see cref="RefreshEvery"/> points).</summary>
    public double Median { get; private set; } = double.NaN;

    /// <summary>MAD of log values around the median, as a sigma estimate (computed on demand: only spike candidates need it).</summary>
    public double LogSigma
    {
        get
        {
            if (_logSigmaStale)
            {
                var span = CopyNewest((int)Math.Min(Count, Capacity));
                _logSigma = RobustStats.LogMadInPlace(span, Median) * RobustStats.MadToSigma;
                _logSigmaStale = false;
            }

            return _logSigma;
        }
    }

    /// <summary>Smoothed level: median of the last clamp(Count/4, 3, 32) values.</summary>
    public double Level { get; private set; } = double.NaN;

    /// <summary>How many of the most recent points <see cref="Level"/> is the median of.</summary>
    public int LevelPoints { get; private set; }

    /// <summary>Lowest <see cref="Level"/> so far.</summary>
    public double BestLevel { get; private set; } = double.PositiveInfinity;

    /// <summary>Lowest <see cref="Level"/> taken over at least 16 points (steady enough to compare a later level with).</summary>
    public double BestSmoothLevel { get; private set; } = double.PositiveInfinity;

    /// <summary>The whole run in block medians (training losses only): what the stalled-plateau rule compares.</summary>
    public LevelHistory? History { get; }

    /// <summary>True when the last <see cref="Add"/> refreshed <see cref="Level"/>.</summary>
    public bool Refreshed { get; private set; }

    /// <summary>True for a mean over an epoch, as its tag says (<c>epoch_loss</c>, <c>loss_epoch</c>), and not a running mean.</summary>
    public bool IsEpochMean => !RunningMean && _epochTag;

    /// <summary>True for sparse tags: held-out metrics, per-epoch tags, or points at least 5 steps apart on average.</summary>
    public bool IsSparse =>
        Signal.Role is SignalRole.ValLoss or SignalRole.ValAccuracy
        || _epochTag
        || (Count > 1 && (LastStep - FirstStep) >= 5 * (Count - 1));

    /// <summary>Median of the ring without its newest <paramref name="skipNewest"/> values, and their maximum.</summary>
    public (double Median, double Max) Baseline(int skipNewest)
    {
        var n = (int)Math.Min(Count, Capacity) - skipNewest;
        if (n <= 0)
        {
            return (double.NaN, double.NaN);
        }

        var span = CopyNewest(n, skipNewest);
        var max = double.NegativeInfinity;
        foreach (var v in span)
        {
            max = Math.Max(max, v);
        }

        return (RobustStats.MedianInPlace(span), max);
    }

    /// <summary>
    /// A rule's own state for this series, created on first use: the rules keep it here, in a slot each, rather than in
    /// a dictionary keyed by series (one lookup fewer on every point).
    /// </summary>
    public T State<T>(int slot)
        where T : class, new() => (T)(_slots[slot] ??= new T());

    /// <summary>Mean of the newest <paramref name="n"/> values (fewer while the tag is younger); NaN when empty.</summary>
    public double RecentMean(int n)
    {
        var k = (int)Math.Min(Math.Min(Count, Capacity), n);
        var sum = 0.0;
        for (var i = 0; i < k; i++)
        {
            sum += _ring[(int)((Count - 1 - i) & Mask)];
        }

        return k == 0 ? double.NaN : sum / k;
    }

    /// <summary>
    /// Median, maximum and log-MAD sigma (around that median) of the newest <paramref name="n"/> values (fewer while the
    /// tag is younger): a short window that a trend barely widens, asked only for spike candidates. Cached like
    /// <see cref="Median"/>: recomputed once per refresh (every point while young, then every <see cref="RefreshEvery"/>).
    /// </summary>
    public (double Median, double Max, double LogSigma) RecentSpread(int n)
    {
        if (_recentSpreadN != n)
        {
            _recentSpreadN = n;
            _recentSpread = ComputeRecentSpread(n);
        }

        return _recentSpread;
    }

    private (double Median, double Max, double LogSigma) ComputeRecentSpread(int n)
    {
        var k = (int)Math.Min(Math.Min(Count, Capacity), n);
        if (k == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        var max = RecentMax(k);
        var span = CopyNewest(k);
        var median = RobustStats.MedianInPlace(span);
        return (median, max, RobustStats.LogMadInPlace(span, median) * RobustStats.MadToSigma);
    }

    /// <summary>The largest of the newest <paramref name="n"/> values, now (not cached).</summary>
    public double RecentMax(int n)
    {
        var max = double.NegativeInfinity;
        for (var i = 0; i < n && i < Count && i < Capacity; i++)
        {
            max = Math.Max(max, _ring[(int)((Count - 1 - i) & Mask)]);
        }

        return max;
    }

    /// <summary>The value <paramref name="back"/> points before the newest (0 = newest).</summary>
    public double Recent(int back) => back < Count && back < Capacity ? _ring[(int)((Count - 1 - back) & Mask)] : double.NaN;

    public void Add(long step, double wallTime, double value)
    {
        if (Count > 0)
        {
            Rising = value > Last ? Rising + 1 : 0;
        }
        else
        {
            FirstStep = step;
            First = value;
        }

        if (Count < _firstCount)
        {
            _first[Count] = value;
            var n = (int)Count + 1;
            Span<double> tmp = stackalloc double[7];
            _first.AsSpan(0, n).CopyTo(tmp);
            Initial = RobustStats.MedianInPlace(tmp[..n]);
        }

        _ring[(int)(Count & Mask)] = value;
        Count++;
        Last = value;
        LastStep = step;
        LastWallTime = wallTime;

        if (History is not null && Count % LevelHistory.BlockPoints == 0)
        {
            History.AddBlock(RobustStats.MedianInPlace(CopyNewest(LevelHistory.BlockPoints)));
        }

        Refreshed = false;
        if (Count < Capacity || ++_sinceRefresh >= RefreshEvery)
        {
            _sinceRefresh = 0;
            Refresh();
        }
    }

    /// <summary>The newest <paramref name="n"/> values (newest first), after skipping <paramref name="skipNewest"/>, copied into the scratch buffer.</summary>
    private Span<double> CopyNewest(int n, int skipNewest = 0)
    {
        var span = _scratch.AsSpan(0, n);
        for (var i = 0; i < n; i++)
        {
            span[i] = _ring[(int)((Count - 1 - skipNewest - i) & Mask)];
        }

        return span;
    }

    private void Refresh()
    {
        var n = (int)Math.Min(Count, Capacity);
        var span = CopyNewest(n);
        var levelPoints = Math.Min((int)Math.Clamp(Count / 4, 3, 32), n);
        LevelPoints = levelPoints;
        var levelSpan = _levelScratch.AsSpan(0, levelPoints);
        span[..levelPoints].CopyTo(levelSpan);
        Level = RobustStats.MedianInPlace(levelSpan);
        if (Count >= 3 && Level < BestLevel)
        {
            BestLevel = Level;
        }

        if (levelPoints >= 16 && Level < BestSmoothLevel)
        {
            BestSmoothLevel = Level;
        }

        Median = RobustStats.MedianInPlace(span);
        _logSigmaStale = true;
        _recentSpreadN = 0;
        Refreshed = true;
    }
}
