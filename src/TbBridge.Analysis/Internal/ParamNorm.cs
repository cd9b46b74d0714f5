namespace TbBridge.Analysis.Internal;

/// <summary>The last five gradient norms of one parameter tensor.</summary>
internal sealed class ParamNorm
{
    private readonly double[] _last = new double[5];
    private readonly double[] _scratch = new double[5];

    public ParamNorm(string subject, string tag, bool eligible)
    {
        Subject = subject;
        Tag = tag;
        Eligible = eligible;
    }

    public string Subject { get; }

    public string Tag { get; set; }

    /// <summary>False for biases and normalisation parameters, whose gradients can be legitimately tiny or zero.</summary>
    public bool Eligible { get; }

    public int Count { get; private set; }

    public void Add(double norm) => _last[Count++ % _last.Length] = norm;

    public double Median()
    {
        var n = Math.Min(Count, _last.Length);
        _last.AsSpan(0, n).CopyTo(_scratch);
        return RobustStats.MedianInPlace(_scratch.AsSpan(0, n));
    }
}
