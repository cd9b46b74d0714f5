using System.Globalization;
using System.Text;
using System.Text.Json;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>
/// How <c>tbbridge runs</c> shows runs: aligned columns with upper-case headers and no borders, as
/// <c>kubectl get pods</c> and <c>docker ps</c> do (easy to read, to grep and to cut), or one JSON document.
/// </summary>
internal static class RunsTable
{
    private static readonly string[] Headers = ["PROJECT", "RUN", "STATE", "WORKERS", "LAST STEP", "LAST POINT", "CRITICAL", "WARNING", "INFO"];

    public static string StateName(RunState state) => state switch
    {
        RunState.Active => "live",
        RunState.Stalled => "stalled",
        RunState.Disconnected => "disconnected",
        RunState.Idle => "finished",
        _ => "unknown",
    };

    /// <summary>An age the way kubectl prints one: 45s, 12m, 3h, 2d; "-" when no point arrived since the service started.</summary>
    public static string Age(RunSummary run)
    {
        if (run.LastPointAt <= 0)
        {
            return "-";
        }

        double s = run.LastPointAgeSeconds;
        return s < 120 ? string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(s)}s ago")
            : s < 7200 ? string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(s / 60)}m ago")
            : s < 172800 ? string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(s / 3600)}h ago")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(s / 86400)}d ago");
    }

    public static string Text(IReadOnlyList<RunSummary> runs)
    {
        if (runs.Count == 0)
        {
            return "No runs.";
        }

        var rows = new List<string[]> { Headers };
        rows.AddRange(runs.Select(r => new[]
        {
            r.Project, r.Run, StateName(r.State), Number(r.WorkerCount), Number(r.LastStep), Age(r),
            Number(r.AlertCounts.GetValueOrDefault("critical")), Number(r.AlertCounts.GetValueOrDefault("warning")), Number(r.AlertCounts.GetValueOrDefault("info")),
        }));
        int[] widths = Enumerable.Range(0, Headers.Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendJoin("   ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    public static void Json(Utf8JsonWriter writer, IReadOnlyList<RunSummary> runs)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("runs");
        foreach (var r in runs)
        {
            writer.WriteStartObject();
            writer.WriteString("project", r.Project);
            writer.WriteString("run", r.Run);
            writer.WriteString("state", StateName(r.State));
            writer.WriteNumber("workers", r.WorkerCount);
            writer.WriteNumber("last_step", r.LastStep);
            if (r.LastPointAt > 0)
            {
                writer.WriteNumber("last_point_at", r.LastPointAt);
                writer.WriteNumber("last_point_age_seconds", Math.Round(r.LastPointAgeSeconds, 3));
            }
            else
            {
                writer.WriteNull("last_point_at");
                writer.WriteNull("last_point_age_seconds");
            }

            writer.WriteNumber("alert_count", r.AlertCount);
            writer.WriteStartObject("alerts");
            foreach (string severity in (string[])["critical", "warning", "info"])
            {
                writer.WriteNumber(severity, r.AlertCounts.GetValueOrDefault(severity));
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
