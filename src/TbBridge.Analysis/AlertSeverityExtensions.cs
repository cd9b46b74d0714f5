namespace TbBridge.Analysis;

/// <summary>Wire names of <see cref="AlertSeverity"/>.</summary>
public static class AlertSeverityExtensions
{
    /// <summary>The lowercase name used in JSON and tables: <c>info</c>, <c>warning</c> or <c>critical</c>.</summary>
    public static string ToWireString(this AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Warning => "warning",
        AlertSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "Unknown severity."),
    };
}
