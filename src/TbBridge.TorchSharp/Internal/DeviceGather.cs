using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Internal;

/// <summary>Brings small device results to the host: one concatenation and one copy per device.</summary>
internal static class DeviceGather
{
    /// <summary>The tensors (any float dtype, any shape) flattened, concatenated in order, as float64 on the host.</summary>
    public static double[] ToHost(IReadOnlyList<Tensor> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            return [];
        }

        using var scope = NewDisposeScope();
        bool oneDevice = true;
        var flat = new Tensor[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            oneDevice &= SameDevice(parts[i], parts[0]);
            flat[i] = parts[i].detach().flatten().to_type(ScalarType.Float64);
        }

        if (!oneDevice)
        {
            // A model split across devices: each part comes over on its own.
            for (int i = 0; i < flat.Length; i++)
            {
                flat[i] = flat[i].cpu();
            }
        }

        var host = cat(flat).cpu();
        return host.data<double>().ToArray();
    }

    /// <summary>True when both tensors live on the same device (type and index).</summary>
    public static bool SameDevice(Tensor a, Tensor b) => a.device_type == b.device_type && a.device_index == b.device_index;
}
