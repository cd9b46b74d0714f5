namespace TbBridge.Server.Web.History;

/// <summary>
/// One curve, bounded: at most <c>capacity</c> points kept, thinned as the curve grows (every point, then every 2nd,
/// 4th, … so the kept points stay evenly spread over the whole run), plus the newest point and the last few non-finite
/// ones, which thinning would otherwise hide. Steps are <c>long</c>; values are kept as <c>float</c> (a chart needs no
/// more, and NaN and ±Inf survive). Not thread-safe: <see cref="WorkerCurves"/> locks.
/// </summary>
internal sealed class CurveSeries
{
    private const int MaxNonFinite = 16;
    private readonly int _capacity;
    private long[] _steps = new long[16];
    private float[] _values = new float[16];
    private readonly List<(long Step, float Value)> _nonFinite = [];
    private int _count;
    private long _stride = 1;
    private long _seen;

    public CurveSeries(int capacity)
    {
        _capacity = Math.Max(4, capacity & ~1);
    }

    public long? LastStep { get; private set; }

    public float LastValue { get; private set; }

    public void Add(long step, double value)
    {
        float v = (float)value;
        if (!float.IsFinite(v))
        {
            if (_nonFinite.Count == MaxNonFinite)
            {
                _nonFinite.RemoveAt(0);
            }

            _nonFinite.Add((step, v));
        }

        LastStep = step;
        LastValue = v;
        if (_seen++ % _stride != 0)
        {
            return;
        }

        if (_count == _steps.Length)
        {
            int size = Math.Min(_capacity, _steps.Length * 2);
            Array.Resize(ref _steps, size);
            Array.Resize(ref _values, size);
        }

        _steps[_count] = step;
        _values[_count] = v;
        if (++_count == _capacity)
        {
            for (int i = 0; i < _count / 2; i++)
            {
                _steps[i] = _steps[2 * i];
                _values[i] = _values[2 * i];
            }

            _count /= 2;
            _stride *= 2;
        }
    }

    /// <summary>The kept points, the newest and the non-finite ones among them, in step order.</summary>
    public (long Step, float Value)[] Points(long afterStep = long.MinValue)
    {
        var points = new List<(long Step, float Value)>(_count + 1 + _nonFinite.Count);
        for (int i = 0; i < _count; i++)
        {
            if (_steps[i] > afterStep)
            {
                points.Add((_steps[i], _values[i]));
            }
        }

        points.AddRange(_nonFinite.Where(p => p.Step > afterStep));
        if (LastStep is { } last && last > afterStep)
        {
            points.Add((last, LastValue));
        }

        return [.. points.DistinctBy(p => p.Step).OrderBy(p => p.Step)];
    }

    /// <summary>Bytes this series holds, roughly (its arrays and list), for docs/performance.md.</summary>
    public long Bytes => (_steps.Length * sizeof(long)) + (_values.Length * sizeof(float)) + (_nonFinite.Capacity * 16) + 96;
}
