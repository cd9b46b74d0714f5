using TbBridge.TorchSharp.Internal;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp;

/// <summary>Tensor overloads of <see cref="SummaryWriter"/>'s histogram methods, reduced on the tensor's device.</summary>
public static class SummaryWriterTensorExtensions
{
    /// <summary>
    /// Logs the distribution of <paramref name="values"/> with TensorBoard's default buckets, computed on the
    /// tensor's own device: the same counts as the span overload on the same values. On a GPU (or for other
    /// dtypes) with torch ops, only the counts crossing to the host (see <see cref="TensorHistogram"/>); a CPU
    /// float32/float64 tensor is read in place by the span overload itself. NaN and ±Inf are counted and
    /// logged beside it as <c>&lt;tag&gt;/nan_count</c> and <c>&lt;tag&gt;/inf_count</c>.
    /// </summary>
    public static void AddHistogram(this SummaryWriter writer, string tag, Tensor values, long step)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ArgumentNullException.ThrowIfNull(values);
        if (HostValues.Applies(values))
        {
            HostValues.AddHistogram(writer, tag, values, step);
            return;
        }

        writer.AddHistogramRaw(tag, TensorHistogram.Compute(values), step);
    }

    /// <summary>Logs the distribution of <paramref name="values"/> over explicit bucket limits, computed on the tensor's device.</summary>
    public static void AddHistogram(this SummaryWriter writer, string tag, Tensor values, ReadOnlySpan<double> bucketLimits, long step)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentException.ThrowIfNullOrEmpty(tag);
        writer.AddHistogramRaw(tag, TensorHistogram.Compute(values, bucketLimits), step);
    }
}
