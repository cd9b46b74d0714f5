using System.Runtime.ExceptionServices;
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

    /// <summary>Below this many values in all, the histograms are computed one after another on the caller's thread.</summary>
    internal const long ParallelThreshold = 1 << 20;

    /// <summary>
    /// Logs the histograms of tensors for which <see cref="Applies"/> is true: side by side on the thread pool when
    /// there are several and at least <see cref="ParallelThreshold"/> values in all (each tensor is read in place and
    /// the writer takes calls from any thread; the order of the tags within the step is then not fixed, the steps of
    /// one tag stay in order). An exception of one histogram is rethrown as itself.
    /// </summary>
    public static void AddHistograms(SummaryWriter writer, IReadOnlyList<(string Tag, Tensor Values)> histograms, long step)
    {
        long total = 0;
        foreach (var (_, values) in histograms)
        {
            total += values.numel();
        }

        if (histograms.Count < 2 || total < ParallelThreshold || Environment.ProcessorCount < 2)
        {
            foreach (var (tag, values) in histograms)
            {
                AddHistogram(writer, tag, values, step);
            }

            return;
        }

        try
        {
            // Largest first, so the last one to start is a small one.
            var order = histograms.OrderByDescending(h => h.Values.numel());
            Parallel.ForEach(order, h => AddHistogram(writer, h.Tag, h.Values, step));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
    }

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
