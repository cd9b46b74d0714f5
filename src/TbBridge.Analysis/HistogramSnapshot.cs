namespace TbBridge.Analysis;

/// <summary>
/// A histogram as the engine sees it (TensorBoard's <c>HistogramProto</c> layout, without depending on it):
/// bucket <c>i</c> counts the values in (<c>BucketLimits[i-1]</c>, <c>BucketLimits[i]</c>].
/// </summary>
/// <param name="Min">Smallest finite value.</param>
/// <param name="Max">Largest finite value.</param>
/// <param name="Num">Number of values summarised.</param>
/// <param name="Sum">Sum of the values.</param>
/// <param name="SumSquares">Sum of the squared values (its square root is the L2 norm of the tensor).</param>
/// <param name="BucketLimits">Right edges of the buckets, ascending.</param>
/// <param name="BucketCounts">Count in each bucket, same length as <paramref name="BucketLimits"/>.</param>
/// <param name="NanCount">Number of NaN values, where the writer knows it (0 otherwise).</param>
/// <param name="InfCount">Number of infinite values, where the writer knows it (0 otherwise).</param>
public sealed record HistogramSnapshot(
    double Min,
    double Max,
    double Num,
    double Sum,
    double SumSquares,
    IReadOnlyList<double> BucketLimits,
    IReadOnlyList<double> BucketCounts,
    double NanCount = 0,
    double InfCount = 0)
{
    /// <summary>True when any summary number is NaN or infinite, or NaN/Inf counts are non-zero.</summary>
    public bool HasNonFinite =>
        NanCount > 0 || InfCount > 0 ||
        !double.IsFinite(Min) || !double.IsFinite(Max) || !double.IsFinite(Sum) || !double.IsFinite(SumSquares);

    /// <summary>The L2 norm of the summarised tensor: <c>sqrt(SumSquares)</c>.</summary>
    public double L2Norm => Math.Sqrt(Math.Max(0, SumSquares));
}
