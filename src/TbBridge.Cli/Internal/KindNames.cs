using TbBridge.Events;

namespace TbBridge.Cli.Internal;

internal static class KindNames
{
    public static string Of(ValueKind kind) => kind switch
    {
        ValueKind.Scalar => "scalar",
        ValueKind.Histogram => "histogram",
        ValueKind.Text => "text",
        ValueKind.Tensor => "tensor",
        ValueKind.Image => "image",
        _ => "other",
    };
}
