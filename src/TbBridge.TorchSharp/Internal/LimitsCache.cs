using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Internal;

/// <summary>
/// <see cref="HistogramBuckets.DefaultLimits"/> as a float64 tensor, made once per device and kept for
/// the life of the process (12 KiB each), so a histogram call copies no limits to the device.
/// </summary>
internal static class LimitsCache
{
    private static readonly ConcurrentDictionary<string, Tensor> s_default = new(StringComparer.Ordinal);

    public static Tensor Default(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return s_default.GetOrAdd(device.ToString(), static (_, d) => Create(HistogramBuckets.DefaultLimits, d), device);
    }

    /// <summary>A new float64 tensor of <paramref name="limits"/> on <paramref name="device"/>; the caller disposes it.</summary>
    public static Tensor Create(ReadOnlySpan<double> limits, Device device)
    {
        var t = tensor(limits.ToArray(), dtype: ScalarType.Float64, device: device);
        return t.DetachFromDisposeScope();
    }
}
