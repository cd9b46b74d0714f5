using System.Globalization;
using Spectre.Console;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>
/// How <c>tbbridge alerts</c> shows alerts in a terminal. By default one line per alert that fits the terminal's
/// width: the message (and any long name) cut with an ellipsis, never wrapped or split mid-word. <c>--wide</c> is the
/// full table (worker, tag, the whole message, its hint and evidence), wrapped as long as it needs; <c>--json</c> is
/// every field.
/// </summary>
internal static class AlertsTable
{
    private const int MaxName = 20;
    private const int MaxRun = 32;
    private const int MinName = 10;
    private const int MinMessage = 24;
    private const int MinCut = 8;
    private const int CellGap = 2;

    public static void Write(IAnsiConsole console, IReadOnlyList<Alert> alerts, bool wide)
    {
        if (alerts.Count == 0)
        {
            console.WriteLine("No alerts.");
            return;
        }

        console.Write(wide ? Wide(alerts) : Compact(alerts, console.Profile.Width));
        if (!wide)
        {
            console.WriteLine("Full messages, hints and evidence: --wide or --json.");
        }
    }

    private static Table Compact(IReadOnlyList<Alert> alerts, int width)
    {
        string[] headers = ["#", "Severity", "Kind", "Run", "Step", "Message"];
        var rows = alerts.Select(a => new[]
        {
            a.Id.ToString(CultureInfo.InvariantCulture),
            AlertsJson.SeverityName(a.Severity),
            a.Kind,
            RunName(a),
            a.Step.ToString(CultureInfo.InvariantCulture),
            a.Message.ReplaceLineEndings(" "),
        }).ToList();

        // Every column as wide as its longest cell, names capped; the message takes what is left of the line, and on a
        // narrow terminal the run and kind names give up columns to it first. Spectre wraps at spaces and crops only
        // single words, so the cells are cut here, to widths that need no wrapping.
        var widths = headers.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        widths[2] = Math.Min(widths[2], MaxName);
        widths[3] = Math.Min(widths[3], MaxRun);
        int available = width - (headers.Length * CellGap);
        int Message() => available - widths[..^1].Sum();
        for (int c = 3; c >= 2 && Message() < MinMessage; c--)
        {
            widths[c] = Math.Max(Math.Min(widths[c], MinName), widths[c] - (MinMessage - Message()));
        }

        widths[^1] = Math.Max(MinCut, Math.Min(widths[^1], Message()));

        var table = new Table().Border(TableBorder.None).HideHeaders().NoSafeBorder();
        for (int c = 0; c < headers.Length; c++)
        {
            var column = new TableColumn(headers[c]).NoWrap().Width(widths[c]).Padding(0, 0, CellGap, 0);
            table.AddColumn(c is 0 or 4 ? column.RightAligned() : column);
        }

        table.AddRow(headers.Select((h, c) => (Spectre.Console.Rendering.IRenderable)new Text(h.ToUpperInvariant(), new Style(decoration: Decoration.Bold))).ToArray());
        foreach (var row in rows)
        {
            table.AddRow(row.Select((cell, c) => (Spectre.Console.Rendering.IRenderable)new Text(Cut(cell, widths[c]))).ToArray());
        }

        return table;
    }

    /// <summary>The text, or as much of it as fits with an ellipsis at the end.</summary>
    internal static string Cut(string text, int width) => text.Length <= width ? text : text[..Math.Max(0, width - 1)].TrimEnd() + "…";

    private static Table Wide(IReadOnlyList<Alert> alerts)
    {
        var table = new Table().AddColumns("#", "Severity", "Kind", "Project/run", "Worker", "Tag", "Step", "Message", "Evidence");
        foreach (var alert in alerts)
        {
            table.AddRow(
                alert.Id.ToString(CultureInfo.InvariantCulture),
                AlertsJson.SeverityName(alert.Severity),
                Markup.Escape(alert.Kind),
                Markup.Escape($"{alert.Project}/{alert.Run}"),
                Markup.Escape(alert.Worker),
                Markup.Escape(alert.Tag),
                alert.Step.ToString(CultureInfo.InvariantCulture),
                MessageCell(alert),
                Markup.Escape(string.Join("\n", AlertsJson.EvidenceText(alert))));
        }

        return table;
    }

    private static string RunName(Alert alert) => $"{alert.Project}/{alert.Run}";

    /// <summary>The message, and under it the hint, dimmed.</summary>
    private static string MessageCell(Alert alert) =>
        alert.Hint.Length > 0 ? $"{Markup.Escape(alert.Message)}\n[grey]{Markup.Escape(alert.Hint)}[/]" : Markup.Escape(alert.Message);
}
