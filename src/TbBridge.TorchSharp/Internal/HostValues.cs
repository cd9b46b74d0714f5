using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Internal;

/// <summary>
/// Histograms of CPU float32/float64 tensors through the writer's own span overloads, read in place
/// from the tensor's memory (no copy): on the CPU the values already are on the host, and the writer's
/// vectorised table lookup beats any sequence of whole-tensor torch ops. Same code, so same counts.
/// Other devices and dtypes take <see cref="TensorHistogramKernel"/>.
/// </summary>
internal static class HostValues
{
    /// <summary>True when <paramref name="values"/> is a CPU float32/float64 tensor small enough for one span.</summary>
    public static bool Applies(Tensor values) =>
        values.device_type == DeviceType.CPU
        && values.dtype is ScalarType.Float32 or ScalarType.Float64
        && values.numel() * values.ElementSize <= int.MaxValue;

    /// <summary>Logs the histogram of a tensor for which <see cref="Applies"/> is true.</summary>
    public static void AddHistogram(SummaryWriter writer, string tag, Tensor values, long step)
    {
        using var scope = NewDisposeScope();
        var contiguous = values.detach().contiguous();
        var bytes = (ReadOnlySpan<byte>)contiguous.bytes;
        if (contiguous.dtype == ScalarType.Float32)
        {
            writer.AddHistogram(tag, MemoryMarshal.Cast<byte, float>(bytes), step);
        }
        else
        {
            writer.AddHistogram(tag, MemoryMarshal.Cast<byte, double>(bytes), step);
        }
    }
}
