namespace TbBridge.Analysis.Internal;

/// <summary>
/// The whole history of a tag in bounded memory: the median of every block of <see cref="BlockPoints"/> points,
/// at most <see cref="Capacity"/> of them. When full, neighbouring entries are averaged in pairs and each entry
/// stands for twice as many points from then on, so the history always spans the run from its first point.
/// </summary>
/// <remarks>
/// <see cref="Halves"/> is recomputed once every <see cref="HalvesEvery"/> stored entries (64 points at first): the
/// rules that read it judge hundreds of points, and two medians per refresh of a per-step loss cost the engine a
/// quarter of its throughput.
/// </remarks>
internal sealed class LevelHistory
{
    public const int BlockPoints = 8;
    public const int Capacity = 128;

    /// <summary>Stored entries between two computations of <see cref="Halves"/>.</summary>
    public const int HalvesEvery = 8;

    private readonly double[] _entries = new double[Capacity];
    private readonly double[] _scratch = new double[Capacity];
    private int _count;
    private int _blocksPerEntry = 1;
    private double _pendingSum;
    private int _pendingBlocks;
    private long _stored;
    private long _halvesAt = -HalvesEvery;
    private (double FirstHalf, double SecondHalf) _halves;

    /// <summary>Points the stored entries stand for.</summary>
    public long Points => (long)_count * _blocksPerEntry * BlockPoints;

    /// <summary>Entries stored (at most <see cref="Capacity"/>).</summary>
    public int Count => _count;

    /// <summary>The median of the first block: where the tag started (NaN before the first block).</summary>
    public double Start { get; private set; } = double.NaN;

    /// <summary>Adds the median of the latest block of <see cref="BlockPoints"/> points.</summary>
    public void AddBlock(double blockMedian)
    {
        if (double.IsNaN(Start))
        {
            Start = blockMedian;
        }

        _pendingSum += blockMedian;
        if (++_pendingBlocks < _blocksPerEntry)
        {
            return;
        }

        if (_count == Capacity)
        {
            for (var i = 0; i < Capacity / 2; i++)
            {
                _entries[i] = (_entries[2 * i] + _entries[(2 * i) + 1]) / 2;
            }

            _count = Capacity / 2;
            _blocksPerEntry *= 2;
            if (_pendingBlocks < _blocksPerEntry)
            {
                return; // the pending block is the first half of a new, wider entry
            }
        }

        _entries[_count++] = _pendingSum / _pendingBlocks;
        _stored++;
        _pendingSum = 0;
        _pendingBlocks = 0;
    }

    /// <summary>Medians of the entries of the first and of the second half of the history (see the remarks; <paramref name="fresh"/>: now, for a last look).</summary>
    public (double FirstHalf, double SecondHalf) Halves(bool fresh = false)
    {
        if (!fresh && _stored - _halvesAt < HalvesEvery)
        {
            return _halves;
        }

        var half = _count / 2;
        _entries.AsSpan(0, half).CopyTo(_scratch);
        var first = RobustStats.MedianInPlace(_scratch.AsSpan(0, half));
        _entries.AsSpan(_count - half, half).CopyTo(_scratch);
        var second = RobustStats.MedianInPlace(_scratch.AsSpan(0, half));
        _halves = (first, second);
        _halvesAt = _stored;
        return _halves;
    }
}
