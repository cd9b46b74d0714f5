using System.Globalization;
using System.Text;
using System.Text.Json;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>The JSON a webhook receives: the alert's fields, or Slack's <c>{"text": ...}</c>.</summary>
internal static class WebhookPayload
{
    /// <summary>The hook's message for <paramref name="alert"/>, with a link to it on the page where the hook has one.</summary>
    public static byte[] Create(WebhookOptions hook, AlertRecord alert) => Create(hook.Format, alert, hook.PageUrl);

    public static byte[] Create(WebhookFormat format, AlertRecord alert, Uri? pageUrl = null)
    {
        string? link = pageUrl is null ? null : Link(pageUrl, alert);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (format == WebhookFormat.Slack)
            {
                json.WriteString("text", SlackText(alert, link));
            }
            else
            {
                WriteFields(json, alert);
                if (link is not null)
                {
                    json.WriteString("url", link);
                }
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteFields(Utf8JsonWriter json, AlertRecord alert)
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
        json.WriteString("subject", alert.Subject);
        json.WriteStartArray("tags");
        foreach (var tag in alert.Tags)
        {
            json.WriteStringValue(tag);
        }

        json.WriteEndArray();
        json.WriteString("hint", alert.Hint);
        json.WriteStartObject("evidence");
        foreach (var (name, value) in alert.Evidence)
        {
            if (double.IsFinite(value))
            {
                json.WriteNumber(name, value);
            }
            else
            {
                json.WriteNull(name); // JSON has no NaN or Infinity (as in tbbridge analyze --json)
            }
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// Slack's mrkdwn: the alert in one line, then its evidence and hint. Every value is escaped as Slack asks
    /// (<c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>), so a tag such as <c>&lt;!channel&gt;</c> is shown, never acted on.
    /// </summary>
    /// <summary>The alert on its run's page: <c>&lt;page&gt;/run?project=P&amp;run=R#alert-ID</c>.</summary>
    public static string Link(Uri pageUrl, AlertRecord alert) =>
        pageUrl.ToString().TrimEnd('/') + "/run?project=" + Uri.EscapeDataString(alert.Project) + "&run=" + Uri.EscapeDataString(alert.Run)
        + "#alert-" + alert.Id.ToString(CultureInfo.InvariantCulture);

    private static string SlackText(AlertRecord alert, string? link)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $":rotating_light: *{alert.Severity.ToWireString()}* `{Escape(alert.Kind)}` in {Escape(alert.Project)}/{Escape(alert.Run)} ({Escape(alert.Worker)}), tag `{Escape(alert.Tag)}` at step {alert.Step}: {Escape(alert.Message)}");
        if (alert.Evidence.Count > 0)
        {
            text.Append("\n*Evidence:* ").AppendJoin(", ", alert.Evidence.Select(e => $"{Escape(e.Key)} = {AlertText.Number(e.Value)}"));
        }

        if (alert.Hint.Length > 0)
        {
            text.Append("\n*Hint:* ").Append(Escape(alert.Hint));
        }

        if (link is not null)
        {
            text.Append("\n<").Append(Escape(link)).Append("|Open it on its curve>");
        }

        return text.ToString();
    }

    /// <summary>Slack's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping).</summary>
    internal static string Escape(string value) => value.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);
}
