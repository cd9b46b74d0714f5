namespace TbBridge.Events;

/// <summary>
/// A histogram in TensorBoard's bucket layout, as read or as <see cref="EventEncoder.Histogram"/> writes it:
/// bucket <c>i</c> counts the values <c>v</c> with <c>BucketLimits[i-1] &lt;= v &lt; BucketLimits[i]</c>, each
/// limit the right, exclusive edge of its bucket (TensorFlow's <c>histogram.cc</c> and PyTorch's
/// <c>np.histogram</c> edges), and the first bucket starts at <see cref="Min"/>.
/// </summary>
public sealed class HistogramValue
{
    /// <summary>Creates a histogram value.</summary>
    public HistogramValue(double min, double max, double num, double sum, double sumSquares,
        IReadOnlyList<double> bucketLimits, IReadOnlyList<double> bucketCounts)
    {
        Min = min;
        Max = max;
        Num = num;
        Sum = sum;
        SumSquares = sumSquares;
        BucketLimits = bucketLimits;
        BucketCounts = bucketCounts;
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

    /// <summary>Right, exclusive edge of each bucket, ascending.</summary>
    public IReadOnlyList<double> BucketLimits { get; }

    /// <summary>Number of values in each bucket.</summary>
    public IReadOnlyList<double> BucketCounts { get; }
}
