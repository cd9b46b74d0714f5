using TbBridge.Analysis;

namespace TbBridge.TorchSharp.Internal;

/// <summary>
/// Rules for the monitor's informational scalars, which no default detector reads: tried after the
/// caller's rules, so any role those give wins, and otherwise the tags are known (not "unrecognised").
/// </summary>
internal static class MonitorSignalRules
{
    private static readonly SignalRule[] s_rules =
    [
        new(@"^update_ratio/.+$", SignalRole.Ignored, SignalKind.Scalar),
        new(@"^activations/.+/(?:zero|dead|saturated)_fraction$", SignalRole.Ignored, SignalKind.Scalar),
    ];

    public static AnalysisOptions Extend(AnalysisOptions options) =>
        options with { SignalRules = SignalRules.FromRules([.. options.SignalRules.Rules, .. s_rules]) };
}
