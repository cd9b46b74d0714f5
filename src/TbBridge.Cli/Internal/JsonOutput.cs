using System.Text.Encodings.Web;
using System.Text.Json;

namespace TbBridge.Cli.Internal;

/// <summary>One compact JSON document per command, written with readable (unescaped) Unicode.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(TextWriter output, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).AsMemory(), cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public static void WriteErrors(Utf8JsonWriter writer, IEnumerable<Events.EventReadError> errors)
    {
        writer.WriteStartArray("errors");
        foreach (var error in errors)
        {
            writer.WriteStartObject();
            writer.WriteString("file", error.File);
            writer.WriteNumber("offset", error.Offset);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>A number, or null where JSON has none (NaN, ±Infinity).</summary>
    public static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>An alert's tags, hint and evidence, named alike by <c>analyze --json</c> and <c>alerts --json</c>.</summary>
    public static void WriteAlertDetail(Utf8JsonWriter writer, IEnumerable<string> tags, string hint, IEnumerable<KeyValuePair<string, double>> evidence)
    {
        writer.WriteStartArray("tags");
        foreach (string tag in tags)
        {
            writer.WriteStringValue(tag);
        }

        writer.WriteEndArray();
        writer.WriteString("hint", hint);
        writer.WriteStartObject("evidence");
        foreach (var (name, value) in evidence)
        {
            WriteNumberOrNull(writer, name, value);
        }

        writer.WriteEndObject();
    }
}
