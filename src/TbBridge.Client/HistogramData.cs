using System.Collections.ObjectModel;
using TbBridge.Events;
using TbBridge.Internal;

namespace TbBridge;

/// <summary>
/// A bucketed distribution as TensorBoard stores it (<c>HistogramProto</c>), plus the non-finite values
/// that were counted but left out. Bucket <c>i</c> holds the values in
/// <c>[BucketLimits[i-1], BucketLimits[i])</c>, each limit the right, exclusive edge of its bucket; the first
/// bucket starts at <see cref="Min"/>. The same rule as <see cref="HistogramValue"/>, which this converts to.
/// </summary>
/// <remarks>
/// <see cref="Min"/>, <see cref="Max"/>, <see cref="Num"/>, <see cref="Sum"/> and <see cref="SumSquares"/>
/// cover the finite values only, computed in double precision. NaN, +Inf and −Inf are counted in
/// <see cref="NanCount"/>, <see cref="PositiveInfinityCount"/> and <see cref="NegativeInfinityCount"/>.
/// </remarks>
public sealed class HistogramData
{
    private HistogramData(double min, double max, double num, double sum, double sumSquares, double[] limits, double[] counts, long nanCount, long posInfCount, long negInfCount)
    {
        Min = min;
        Max = max;
        Num = num;
        Sum = sum;
        SumSquares = sumSquares;
        LimitsArray = limits;
        CountsArray = counts;
        BucketLimits = Array.AsReadOnly(limits);
        BucketCounts = Array.AsReadOnly(counts);
        NanCount = nanCount;
        PositiveInfinityCount = posInfCount;
        NegativeInfinityCount = negInfCount;
    }

    /// <summary>Smallest finite value (0 when there is none).</summary>
    public double Min { get; }

    /// <summary>Largest finite value (0 when there is none).</summary>
    public double Max { get; }

    /// <summary>Number of finite values.</summary>
    public double Num { get; }

    /// <summary>Sum of the finite values.</summary>
    public double Sum { get; }

    /// <summary>Sum of the squares of the finite values.</summary>
    public double SumSquares { get; }

    /// <summary>Right edge of each bucket, ascending.</summary>
    public ReadOnlyCollection<double> BucketLimits { get; }

    /// <summary>Number of values in each bucket.</summary>
    public ReadOnlyCollection<double> BucketCounts { get; }

    /// <summary>NaN values seen (not in the buckets).</summary>
    public long NanCount { get; }

    /// <summary>+Inf values seen (not in the buckets).</summary>
    public long PositiveInfinityCount { get; }

    /// <summary>−Inf values seen (not in the buckets).</summary>
    public long NegativeInfinityCount { get; }

    /// <summary>+Inf and −Inf together: what the writer logs as <c>&lt;tag&gt;/inf_count</c>.</summary>
    public long InfinityCount => PositiveInfinityCount + NegativeInfinityCount;

    /// <summary>True when no finite value was seen: there is nothing to draw.</summary>
    public bool IsEmpty => CountsArray.Length == 0;

    internal double[] LimitsArray { get; }

    /// <summary>The finite part in the format's histogram shape, for the encoder and the wire (no copy).</summary>
    public HistogramValue ToEventValue() => new(Min, Max, Num, Sum, SumSquares, BucketLimits, BucketCounts);

    internal double[] CountsArray { get; }

    /// <summary>
    /// A histogram exactly as given (PyTorch's <c>add_histogram_raw</c>): no compaction, no recount.
    /// </summary>
    /// <exception cref="ArgumentException">Limits and counts differ in length, limits are not ascending, or a count is negative or not finite.</exception>
    public static HistogramData Create(
        double min,
        double max,
        double num,
        double sum,
        double sumSquares,
        ReadOnlySpan<double> bucketLimits,
        ReadOnlySpan<double> bucketCounts,
        long nanCount = 0,
        long positiveInfinityCount = 0,
        long negativeInfinityCount = 0)
    {
        if (bucketLimits.Length != bucketCounts.Length)
        {
            throw new ArgumentException("bucketLimits and bucketCounts must have the same length.", nameof(bucketCounts));
        }

        HistogramBuckets.ValidateLimits(bucketLimits, nameof(bucketLimits));
        foreach (double c in bucketCounts)
        {
            if (!(c >= 0) || double.IsInfinity(c))
            {
                throw new ArgumentException("Bucket counts must be finite and non-negative.", nameof(bucketCounts));
            }
        }

        ValidateNonFinite(nanCount, positiveInfinityCount, negativeInfinityCount);
        return new HistogramData(min, max, num, sum, sumSquares, bucketLimits.ToArray(), bucketCounts.ToArray(), nanCount, positiveInfinityCount, negativeInfinityCount);
    }

    /// <summary>
    /// A histogram from counts over every bucket of <paramref name="bucketLimits"/> (for example
    /// <see cref="HistogramBuckets.DefaultLimits"/>), counted by the rule of
    /// <see cref="HistogramBuckets.FindBucket"/>: the counts an on-device path computes. Empty buckets
    /// are compacted the way the writer's own histograms are; <see cref="Num"/> is the sum of the counts.
    /// </summary>
    public static HistogramData FromCounts(
        ReadOnlySpan<double> bucketLimits,
        ReadOnlySpan<long> counts,
        double min,
        double max,
        double sum,
        double sumSquares,
        long nanCount = 0,
        long positiveInfinityCount = 0,
        long negativeInfinityCount = 0)
    {
        if (bucketLimits.Length != counts.Length)
        {
            throw new ArgumentException("bucketLimits and counts must have the same length.", nameof(counts));
        }

        HistogramBuckets.ValidateLimits(bucketLimits, nameof(bucketLimits));
        ValidateNonFinite(nanCount, positiveInfinityCount, negativeInfinityCount);
        long num = 0;
        foreach (long c in counts)
        {
            if (c < 0)
            {
                throw new ArgumentException("Counts must be non-negative.", nameof(counts));
            }

            num += c;
        }

        var (limits, compacted) = HistogramCompactor.Compact(bucketLimits, counts);
        return num == 0
            ? Empty(nanCount, positiveInfinityCount, negativeInfinityCount)
            : new HistogramData(min, max, num, sum, sumSquares, limits, compacted, nanCount, positiveInfinityCount, negativeInfinityCount);
    }

    internal static HistogramData FromBuilder(double min, double max, long num, double sum, double sumSquares, double[] limits, double[] counts, long nanCount, long posInfCount, long negInfCount) =>
        num == 0
            ? Empty(nanCount, posInfCount, negInfCount)
            : new HistogramData(min, max, num, sum, sumSquares, limits, counts, nanCount, posInfCount, negInfCount);

    private static HistogramData Empty(long nanCount, long posInfCount, long negInfCount) =>
        new(0, 0, 0, 0, 0, [], [], nanCount, posInfCount, negInfCount);

    private static void ValidateNonFinite(long nanCount, long posInfCount, long negInfCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nanCount);
        ArgumentOutOfRangeException.ThrowIfNegative(posInfCount);
        ArgumentOutOfRangeException.ThrowIfNegative(negInfCount);
    }
}
