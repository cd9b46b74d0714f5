using TbBridge.Analysis;
using Severity = TbBridge.Protocol.V1.Severity;

namespace TbBridge.Server.Mapping;

/// <summary>The one place the engine's <see cref="AlertSeverity"/> meets the protocol's <see cref="Severity"/>.</summary>
internal static class SeverityMapping
{
    public static Severity ToProto(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => Severity.Info,
        AlertSeverity.Warning => Severity.Warning,
        AlertSeverity.Critical => Severity.Critical,
        _ => Severity.Unspecified,
    };

    /// <summary>The severity a filter asks for; null for <see cref="Severity.Unspecified"/> (or an unknown value): no minimum.</summary>
    public static AlertSeverity? FromProto(Severity severity) => severity switch
    {
        Severity.Info => AlertSeverity.Info,
        Severity.Warning => AlertSeverity.Warning,
        Severity.Critical => AlertSeverity.Critical,
        _ => null,
    };
}
