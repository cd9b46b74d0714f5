using TbBridge.Internal;

namespace TbBridge;

/// <summary>
/// TensorBoard's bucket edges and the one counting rule every TbBridge histogram path uses, so an
/// on-device count (TbBridge.TorchSharp) and the writer's own count agree bucket for bucket.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>
    /// TensorFlow's default bucket limits (<c>histogram.cc</c>'s <c>InitDefaultBuckets</c>, PyTorch's
    /// <c>default_bins</c> plus the two outer limits): ±1e-12 growing by ×1.1 while below 1e20, 0 in the
    /// middle, and ±<see cref="double.MaxValue"/> at the ends, so every finite value has a bucket.
    /// 1,551 limits, ascending.
    /// </summary>
    public static ReadOnlySpan<double> DefaultLimits => DefaultBucketTable.Limits;

    /// <summary>
    /// The bucket a finite <paramref name="value"/> is counted in: the first limit strictly greater than
    /// the value (C++ <c>std::upper_bound</c>, <c>torch.bucketize(right=True)</c>), and the last bucket for a
    /// value at or above the last limit. Bucket <c>i</c> therefore holds <c>[limits[i-1], limits[i])</c>.
    /// </summary>
    public static int FindBucket(ReadOnlySpan<double> bucketLimits, double value)
    {
        if (bucketLimits.IsEmpty)
        {
            throw new ArgumentException("At least one bucket limit is required.", nameof(bucketLimits));
        }

        int lo = 0;
        int hi = bucketLimits.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (bucketLimits[mid] > value)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo == bucketLimits.Length ? lo - 1 : lo;
    }

    internal static void ValidateLimits(ReadOnlySpan<double> limits, string paramName)
    {
        for (int i = 0; i < limits.Length; i++)
        {
            if (double.IsNaN(limits[i]) || (i > 0 && !(limits[i] > limits[i - 1])))
            {
                throw new ArgumentException("Bucket limits must be strictly ascending and not NaN.", paramName);
            }
        }
    }
}
