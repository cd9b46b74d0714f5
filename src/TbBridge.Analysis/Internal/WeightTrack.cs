namespace TbBridge.Analysis.Internal;

/// <summary>
/// First and last summary of one weight tensor's histogram: its five numbers only, never the buckets (a histogram may
/// have a million of them, and this is kept for the whole run).
/// </summary>
internal sealed class WeightTrack(string tag, HistogramSnapshot first, long firstStep)
{
    public string Tag { get; } = tag;

    public Summary First { get; } = Summary.Of(first);

    public long FirstStep { get; } = firstStep;

    public Summary Last { get; private set; } = Summary.Of(first);

    public long LastStep { get; private set; } = firstStep;

    public int Snapshots { get; private set; } = 1;

    public void Add(HistogramSnapshot h, long step)
    {
        Last = Summary.Of(h);
        LastStep = step;
        Snapshots++;
    }

    /// <summary>Largest change of min, max, mean or RMS between first and last, relative to the first RMS.</summary>
    public double RelativeChange()
    {
        var rms0 = First.Num > 0 ? Math.Sqrt(First.SumSquares / First.Num) : 0;
        var rms1 = Last.Num > 0 ? Math.Sqrt(Last.SumSquares / Last.Num) : 0;
        var mean0 = First.Num > 0 ? First.Sum / First.Num : 0;
        var mean1 = Last.Num > 0 ? Last.Sum / Last.Num : 0;
        var d = Math.Max(Math.Max(Math.Abs(Last.Min - First.Min), Math.Abs(Last.Max - First.Max)), Math.Max(Math.Abs(mean1 - mean0), Math.Abs(rms1 - rms0)));
        return d / Math.Max(rms0, 1e-30);
    }

    /// <summary>What the rule compares of a snapshot.</summary>
    internal readonly record struct Summary(double Min, double Max, double Num, double Sum, double SumSquares)
    {
        public static Summary Of(HistogramSnapshot h) => new(h.Min, h.Max, h.Num, h.Sum, h.SumSquares);
    }
}
