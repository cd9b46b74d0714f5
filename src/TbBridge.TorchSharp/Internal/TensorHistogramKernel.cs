using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Internal;

/// <summary>
/// The statistics of a histogram, reduced on the tensor's own device with torch ops: only the
/// bucket counts and seven numbers cross to the host, in one copy.
/// </summary>
/// <remarks>
/// Values are compared in float64, which holds every float16, bfloat16 and float32 exactly, so a
/// value lands in the same bucket as on the host. The bucket rule is <c>HistogramBuckets.FindBucket</c>'s:
/// the first limit strictly greater than the value (<c>bucketize(right: true)</c>), the last bucket
/// for a value at or above the last limit. NaN and ±Inf are counted apart and left out of
/// everything else.
/// </remarks>
internal static class TensorHistogramKernel
{
    private const int StatCount = 7;

    /// <summary>Reduces <paramref name="values"/> (any shape, any real dtype) against <paramref name="limits"/>, a tensor of ascending float64 limits on the same device.</summary>
    public static TensorHistogramResult Compute(Tensor values, Tensor limits)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(limits);
        if (values.is_complex())
        {
            throw new ArgumentException("A histogram needs real values; this tensor is complex.", nameof(values));
        }

        int bucketCount = checked((int)limits.numel());
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var x = values.detach().flatten().to_type(ScalarType.Float64);
        var finite = x.isfinite();
        var notFinite = finite.logical_not();

        var nanCount = x.isnan().sum(ScalarType.Float64);
        var posInfCount = x.eq(double.PositiveInfinity).sum(ScalarType.Float64);
        var negInfCount = x.eq(double.NegativeInfinity).sum(ScalarType.Float64);

        var zeroed = x.masked_fill(notFinite, 0.0);
        var sum = zeroed.sum();
        var sumSquares = zeroed.square().sum();
        // Empty (or all non-finite) input: +Inf/−Inf here, and the caller reports an empty histogram.
        var min = x.numel() == 0 ? tensor(double.PositiveInfinity, device: x.device) : x.masked_fill(notFinite, double.PositiveInfinity).min();
        var max = x.numel() == 0 ? tensor(double.NegativeInfinity, device: x.device) : x.masked_fill(notFinite, double.NegativeInfinity).max();

        // Non-finite values go to an extra bucket past the end, then are cut off.
        var bucket = x.bucketize(limits, outInt32: false, right: true)
            .clamp_max(bucketCount - 1)
            .masked_fill(notFinite, bucketCount);
        var counts = bucket.bincount(null, bucketCount + 1).narrow(0, 0, bucketCount).to_type(ScalarType.Float64);

        var stats = stack([min, max, sum, sumSquares, nanCount, posInfCount, negInfCount]);
        var packed = cat([counts, stats]).cpu();
        double[] host = packed.data<double>().ToArray();

        var bucketCounts = new long[bucketCount];
        for (int i = 0; i < bucketCount; i++)
        {
            bucketCounts[i] = (long)host[i];
        }

        var s = host.AsSpan(bucketCount, StatCount);
        return new TensorHistogramResult(bucketCounts, s[0], s[1], s[2], s[3], (long)s[4], (long)s[5], (long)s[6]);
    }
}
