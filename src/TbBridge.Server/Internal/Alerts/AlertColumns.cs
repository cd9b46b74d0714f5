using System.Globalization;
using System.Text.Json;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>How an alert's values are kept in the store's columns: severity codes, tags and evidence as JSON.</summary>
internal static class AlertColumns
{
    /// <summary>The <c>severity</c> column: 1 info, 2 warning, 3 critical, as the service has always stored them.</summary>
    public static int SeverityCode(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => 1,
        AlertSeverity.Warning => 2,
        _ => 3,
    };

    public static AlertSeverity SeverityFromCode(int code) => code switch
    {
        1 => AlertSeverity.Info,
        2 => AlertSeverity.Warning,
        _ => AlertSeverity.Critical,
    };

    /// <summary>The <c>tags</c> column: a JSON array of strings.</summary>
    public static string Tags(IReadOnlyList<string> tags) => Write(json =>
    {
        json.WriteStartArray();
        foreach (var tag in tags)
        {
            json.WriteStringValue(tag);
        }

        json.WriteEndArray();
    });

    /// <summary>The tags of a stored alert; an alert stored before the column existed has its primary tag only.</summary>
    public static IReadOnlyList<string> ReadTags(string column, string primaryTag)
    {
        using var document = JsonDocument.Parse(column);
        var tags = document.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
        return tags.Length == 0 && primaryTag.Length > 0 ? [primaryTag] : tags;
    }

    /// <summary>
    /// The <c>evidence</c> column: a JSON object of numbers in the rule's order. JSON has no NaN or infinity, so a
    /// non-finite value is kept as its invariant name (<c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>).
    /// </summary>
    public static string Evidence(IReadOnlyDictionary<string, double> evidence) => Write(json =>
    {
        json.WriteStartObject();
        foreach (var (name, value) in evidence)
        {
            if (double.IsFinite(value))
            {
                json.WriteNumber(name, value);
            }
            else
            {
                json.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
            }
        }

        json.WriteEndObject();
    });

    public static IReadOnlyDictionary<string, double> ReadEvidence(string column)
    {
        using var document = JsonDocument.Parse(column);
        var evidence = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            evidence[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? double.Parse(property.Value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
                : property.Value.GetDouble();
        }

        return evidence;
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
