using System.Text.Json;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>An alert as a JSON object: kind, severity, step, project, run, tag, message, and where it came from.</summary>
internal static class AlertsJson
{
    public static void Write(Utf8JsonWriter writer, Alert alert)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", alert.Id);
        writer.WriteString("kind", alert.Kind);
        writer.WriteString("severity", SeverityName(alert.Severity));
        writer.WriteNumber("step", alert.Step);
        writer.WriteString("project", alert.Project);
        writer.WriteString("run", alert.Run);
        writer.WriteString("worker", alert.Worker);
        writer.WriteString("tag", alert.Tag);
        writer.WriteString("message", alert.Message);
        writer.WriteNumber("raised_at", alert.RaisedAt);
        writer.WriteEndObject();
    }

    public static string SeverityName(Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Warning => "warning",
        Severity.Critical => "critical",
        _ => "unknown",
    };
}
