namespace TbBridge.Events;

/// <summary>
/// A decoded histogram: statistics and TensorBoard's bucket layout, where bucket <c>i</c> spans
/// (<c>BucketLimits[i-1]</c>, <c>BucketLimits[i]</c>] and the first starts at minus infinity.
/// </summary>
public sealed class HistogramValue
{
    /// <summary>Creates a histogram value.</summary>
    public HistogramValue(double min, double max, double num, double sum, double sumSquares,
        IReadOnlyList<double> bucketLimits, IReadOnlyList<double> buckets)
    {
        Min = min;
        Max = max;
        Num = num;
        Sum = sum;
        SumSquares = sumSquares;
        BucketLimits = bucketLimits;
        Buckets = buckets;
    }

    /// <summary>Smallest value.</summary>
    public double Min { get; }

    /// <summary>Largest value.</summary>
    public double Max { get; }

    /// <summary>Number of values.</summary>
    public double Num { get; }

    /// <summary>Sum of the values (estimated from bucket centres for TF2 histograms, which do not store it).</summary>
    public double Sum { get; }

    /// <summary>Sum of the squared values (estimated like <see cref="Sum"/> for TF2 histograms).</summary>
    public double SumSquares { get; }

    /// <summary>Right edge of each bucket.</summary>
    public IReadOnlyList<double> BucketLimits { get; }

    /// <summary>Count of each bucket.</summary>
    public IReadOnlyList<double> Buckets { get; }
}
