using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Internal;

/// <summary>
/// The statistics of a histogram, reduced on the tensor's own device with torch ops: only the
/// bucket counts and seven numbers per tensor cross to the host, all tensors of a call in one copy.
/// </summary>
/// <remarks>
/// Values are compared in float64, which holds every float16, bfloat16 and float32 exactly, so a
/// value lands in the same bucket as on the host. The bucket rule is <see cref="HistogramBuckets.FindBucket"/>'s:
/// the first limit strictly greater than the value (<c>bucketize(right: true)</c>), the last bucket
/// for a value at or above the last limit. NaN and ±Inf are counted apart and left out of
/// everything else.
/// </remarks>
internal static class TensorHistogramKernel
{
    /// <summary>Numbers after the counts in a packed result: min, max, sum, sum of squares, NaN, +Inf, −Inf.</summary>
    internal const int StatCount = 7;

    /// <summary>Reduces <paramref name="values"/> (any shape, any real dtype) against <paramref name="limits"/>, a tensor of ascending float64 limits on the same device.</summary>
    public static TensorHistogramResult Compute(Tensor values, Tensor limits) => ComputeMany([values], limits)[0];

    /// <summary>Reduces each tensor against the limits (on each tensor's device), then copies every result to the host at once.</summary>
    public static TensorHistogramResult[] ComputeMany(IReadOnlyList<Tensor> values, Tensor limits)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(limits);
        int bucketCount = checked((int)limits.numel());
        using var scope = NewDisposeScope();
        var packs = new Tensor[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            var device = values[i].device;
            var deviceLimits = DeviceGather.SameDevice(limits, values[i]) ? limits : limits.to(device);
            packs[i] = Pack(values[i], deviceLimits);
        }

        double[] host = DeviceGather.ToHost(packs);
        var results = new TensorHistogramResult[values.Count];
        int stride = bucketCount + StatCount;
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = Unpack(host.AsSpan(i * stride, stride), bucketCount);
        }

        return results;
    }

    /// <summary>
    /// The device-side reduction: a float64 tensor of the bucket counts followed by
    /// <see cref="StatCount"/> statistics, still on the values' device.
    /// </summary>
    public static Tensor Pack(Tensor values, Tensor limits)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(limits);
        if (values.is_complex())
        {
            throw new ArgumentException("A histogram needs real values; this tensor is complex.", nameof(values));
        }

        long bucketCount = limits.numel();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var x = values.detach().flatten().to_type(ScalarType.Float64);
        var notFinite = x.isfinite().logical_not_();

        var nanCount = x.isnan().sum(ScalarType.Float64);
        var posInfCount = x.eq(double.PositiveInfinity).sum(ScalarType.Float64);
        var negInfCount = x.eq(double.NegativeInfinity).sum(ScalarType.Float64);

        var zeroed = x.masked_fill(notFinite, 0.0);
        var sum = zeroed.sum();
        var sumSquares = zeroed.dot(zeroed);
        // Empty (or all non-finite) input: +Inf/−Inf here; the counts say there is nothing.
        Tensor min, max;
        if (x.numel() == 0)
        {
            min = tensor(double.PositiveInfinity, device: x.device);
            max = tensor(double.NegativeInfinity, device: x.device);
        }
        else
        {
            min = x.masked_fill(notFinite, double.PositiveInfinity).min();
            max = x.masked_fill(notFinite, double.NegativeInfinity).max();
        }

        // Non-finite values go to an extra bucket past the end, which is cut off.
        var bucket = x.bucketize(limits, outInt32: false, right: true)
            .clamp_max_(bucketCount - 1)
            .masked_fill_(notFinite, bucketCount);
        var counts = bucket.bincount(null, bucketCount + 1).narrow(0, 0, bucketCount).to_type(ScalarType.Float64);

        return cat([counts, stack([min, max, sum, sumSquares, nanCount, posInfCount, negInfCount])]).MoveToOuterDisposeScope();
    }

    /// <summary>Reads one packed result back (see <see cref="Pack"/>).</summary>
    public static TensorHistogramResult Unpack(ReadOnlySpan<double> packed, int bucketCount)
    {
        var bucketCounts = new long[bucketCount];
        for (int i = 0; i < bucketCount; i++)
        {
            bucketCounts[i] = (long)packed[i];
        }

        var s = packed.Slice(bucketCount, StatCount);
        return new TensorHistogramResult(bucketCounts, s[0], s[1], s[2], s[3], (long)s[4], (long)s[5], (long)s[6]);
    }
}
