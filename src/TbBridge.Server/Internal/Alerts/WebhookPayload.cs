using System.Globalization;
using System.Text.Json;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>The JSON a webhook receives: the alert's fields, or Slack's <c>{"text": ...}</c>.</summary>
internal static class WebhookPayload
{
    public static byte[] Create(WebhookFormat format, AlertRecord alert)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (format == WebhookFormat.Slack)
            {
                json.WriteString("text", SlackText(alert));
            }
            else
            {
                json.WriteNumber("id", alert.Id);
                json.WriteString("kind", alert.Kind);
                json.WriteString("severity", alert.Severity.ToWireString());
                json.WriteString("project", alert.Project);
                json.WriteString("run", alert.Run);
                json.WriteString("worker", alert.Worker);
                json.WriteString("tag", alert.Tag);
                json.WriteNumber("step", alert.Step);
                json.WriteString("message", alert.Message);
                json.WriteNumber("raised_at", alert.RaisedAt);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string SlackText(AlertRecord alert) => string.Format(
        CultureInfo.InvariantCulture,
        ":rotating_light: *{0}* `{1}` in {2}/{3} ({4}), tag `{5}` at step {6}: {7}",
        alert.Severity.ToWireString(),
        alert.Kind,
        alert.Project,
        alert.Run,
        alert.Worker,
        alert.Tag,
        alert.Step,
        alert.Message);
}
