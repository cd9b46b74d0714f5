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
    public static TensorHistogramResult Compute(Tensor values, Tensor limits, long cpuChunk = CpuChunk) => ComputeMany([values], limits, cpuChunk)[0];

    /// <summary>Reduces each tensor against the limits (on each tensor's device), then copies every result to the host at once.</summary>
    public static TensorHistogramResult[] ComputeMany(IReadOnlyList<Tensor> values, Tensor limits, long cpuChunk = CpuChunk)
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
            packs[i] = Pack(values[i], deviceLimits, cpuChunk);
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
    /// Elements reduced at a time on the CPU. Every op's temporaries stay a few MiB, so the allocator
    /// reuses warm memory instead of mapping (and faulting in) fresh pages for each whole-tensor
    /// temporary; on a GPU the whole tensor goes at once.
    /// </summary>
    internal const long CpuChunk = 1L << 22;

    /// <summary>
    /// The device-side reduction: a float64 tensor of the bucket counts followed by
    /// <see cref="StatCount"/> statistics, still on the values' device.
    /// </summary>
    public static Tensor Pack(Tensor values, Tensor limits, long cpuChunk = CpuChunk)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(limits);
        if (values.is_complex())
        {
            throw new ArgumentException("A histogram needs real values; this tensor is complex.", nameof(values));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cpuChunk);
        long bucketCount = limits.numel();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var x = values.detach().flatten();
        long n = x.numel();
        long chunk = x.device_type == DeviceType.CPU ? cpuChunk : Math.Max(n, 1);
        long chunks = Math.Max(1, (n + chunk - 1) / chunk);

        // Per chunk: min, max, sum, sum of squares, NaN, +Inf, −Inf; reduced across chunks at the end.
        var partial = empty([chunks, StatCount], dtype: ScalarType.Float64, device: x.device);
        var counts = zeros(bucketCount + 1, dtype: ScalarType.Int64, device: x.device);
        if (n == 0)
        {
            partial.copy_(tensor(new double[] { double.PositiveInfinity, double.NegativeInfinity, 0, 0, 0, 0, 0 }).reshape(1, StatCount));
        }

        for (long i = 0, start = 0; start < n; i++, start += chunk)
        {
            using var chunkScope = NewDisposeScope();
            var c = x.narrow(0, start, Math.Min(chunk, n - start)).to_type(ScalarType.Float64);
            var notFinite = c.isfinite().logical_not_();
            var zeroed = c.masked_fill(notFinite, 0.0);
            partial[i].copy_(stack(
            [
                c.masked_fill(notFinite, double.PositiveInfinity).min(),
                c.masked_fill(notFinite, double.NegativeInfinity).max(),
                zeroed.sum(),
                zeroed.dot(zeroed),
                c.isnan().sum(ScalarType.Float64),
                c.eq(double.PositiveInfinity).sum(ScalarType.Float64),
                c.eq(double.NegativeInfinity).sum(ScalarType.Float64),
            ]));

            // Non-finite values go to an extra bucket past the end, which is cut off.
            var bucket = c.bucketize(limits, outInt32: false, right: true)
                .clamp_max_(bucketCount - 1)
                .masked_fill_(notFinite, bucketCount);
            counts.add_(bucket.bincount(null, bucketCount + 1));
        }

        var stats = stack(
        [
            partial.select(1, 0).min(),
            partial.select(1, 1).max(),
            partial.select(1, 2).sum(),
            partial.select(1, 3).sum(),
            partial.select(1, 4).sum(),
            partial.select(1, 5).sum(),
            partial.select(1, 6).sum(),
        ]);
        return cat([counts.narrow(0, 0, bucketCount).to_type(ScalarType.Float64), stats]).MoveToOuterDisposeScope();
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
