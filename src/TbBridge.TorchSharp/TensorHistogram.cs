using TbBridge.TorchSharp.Internal;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp;

/// <summary>
/// Histograms of tensors computed on the tensor's own device (CPU or GPU) with torch ops; only the
/// bucket counts and a few numbers cross to the host. The counts are exactly those the writer's span
/// overloads (<see cref="SummaryWriter.AddHistogram(string, ReadOnlySpan{float}, long)"/>) give for the
/// same values: same limits, same rule (<see cref="HistogramBuckets.FindBucket"/>), values compared in
/// float64. NaN and ±Inf are counted apart, never bucketed.
/// </summary>
public static class TensorHistogram
{
    /// <summary>The histogram of <paramref name="values"/> over <see cref="HistogramBuckets.DefaultLimits"/>.</summary>
    /// <param name="values">Any shape and real dtype (floating or integer), on any device. Not modified; no autograd graph is recorded.</param>
    public static HistogramData Compute(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = TensorHistogramKernel.Compute(values, LimitsCache.Default(values.device));
        return ToHistogramData(HistogramBuckets.DefaultLimits, result);
    }

    /// <summary>The histogram of <paramref name="values"/> over explicit bucket limits (right edges, strictly ascending).</summary>
    /// <exception cref="ArgumentException">The limits are empty, not ascending or NaN, or the tensor is complex.</exception>
    public static HistogramData Compute(Tensor values, ReadOnlySpan<double> bucketLimits)
    {
        ArgumentNullException.ThrowIfNull(values);
        ValidateLimits(bucketLimits);
        using var limits = LimitsCache.Create(bucketLimits, values.device);
        var result = TensorHistogramKernel.Compute(values, limits);
        return ToHistogramData(bucketLimits, result);
    }

    internal static HistogramData ToHistogramData(ReadOnlySpan<double> limits, TensorHistogramResult r) =>
        HistogramData.FromCounts(limits, r.BucketCounts, r.Min, r.Max, r.Sum, r.SumSquares, r.NanCount, r.PositiveInfinityCount, r.NegativeInfinityCount);

    private static void ValidateLimits(ReadOnlySpan<double> limits)
    {
        if (limits.IsEmpty)
        {
            throw new ArgumentException("At least one bucket limit is required.", nameof(limits));
        }

        for (int i = 0; i < limits.Length; i++)
        {
            if (double.IsNaN(limits[i]) || (i > 0 && !(limits[i] > limits[i - 1])))
            {
                throw new ArgumentException("Bucket limits must be strictly ascending and not NaN.", nameof(limits));
            }
        }
    }
}
