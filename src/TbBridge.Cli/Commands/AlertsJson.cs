using System.Globalization;
using System.Text.Json;
using TbBridge.Cli.Internal;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>
/// An alert as a JSON object: kind, severity, step, project, run, tag, message, where it came from, and what the
/// engine said of it (subject, tags, hint, evidence), named as <c>tbbridge analyze --json</c> names them.
/// </summary>
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
        writer.WriteString("subject", alert.Subject);
        JsonOutput.WriteAlertDetail(writer, alert.Tags, alert.Hint, alert.Evidence);
        writer.WriteEndObject();
    }

    public static string SeverityName(Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Warning => "warning",
        Severity.Critical => "critical",
        _ => "unknown",
    };

    /// <summary>The evidence as a person reads it: <c>name=value</c>, six significant digits, in the rule's order.</summary>
    public static IEnumerable<string> EvidenceText(Alert alert) =>
        alert.Evidence.Select(e => $"{e.Key}={e.Value.ToString("G6", CultureInfo.InvariantCulture)}");
}
