namespace TbBridge.Analysis.Internal;

/// <summary>First and last summary of one weight tensor's histogram.</summary>
internal sealed class WeightTrack(string tag, HistogramSnapshot first, long firstStep)
{
    public string Tag { get; } = tag;

    public HistogramSnapshot First { get; } = first;

    public long FirstStep { get; } = firstStep;

    public HistogramSnapshot Last { get; set; } = first;

    public long LastStep { get; set; } = firstStep;

    public int Snapshots { get; set; } = 1;

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
}
