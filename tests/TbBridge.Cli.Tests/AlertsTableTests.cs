using Spectre.Console;
using TbBridge.Cli.Commands;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Tests;

public class AlertsTableTests
{
    private static readonly Alert[] EightAlerts =
    [
        .. Enumerable.Range(1, 8).Select(i => new Alert
        {
            Id = i, Kind = i % 2 == 0 ? "exploding_gradients" : "loss_spike", Severity = i % 3 == 0 ? Severity.Critical : Severity.Warning,
            Project = "vision", Run = $"resnet50-lr0.{i}-cosine-warmup", Worker = "rank0", Tag = "grad_norm/total", Step = 1000 * i,
            Message = $"grad_norm/total rose to {i}00x its running minimum within 20 steps while train/loss kept falling; the optimizer is taking steps far larger than the loss surface allows",
            Hint = "Usual causes: a learning rate too high for this batch size, no gradient clipping, a bad batch.",
            Evidence = { ["ratio"] = 100.0 * i, ["baseline"] = 0.01 },
        }),
    ];

    private static string[] Render(bool wide, int width)
    {
        using var output = new StringWriter();
        var context = new CliContext(output, TextWriter.Null, width);
        AlertsTable.Write(context.Console, EightAlerts, wide);
        return output.ToString().TrimEnd('\n', '\r').Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
    }

    [Fact]
    public void Write_EightLongAlertsAt80Columns_OneLinePerAlertWithinTheWidth()
    {
        var lines = Render(wide: false, width: 80);

        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        var rows = lines.Where(l => l.TrimStart().Length > 0 && char.IsDigit(l.TrimStart()[0])).ToList();
        Assert.Equal(8, rows.Count);
        Assert.True(lines.Length <= 8 + 5, string.Join('\n', lines)); // header, rules and the one-line footer
        Assert.All(rows, r => Assert.EndsWith("…", r.TrimEnd(), StringComparison.Ordinal));
        Assert.All(EightAlerts, a => Assert.Single(rows, r => r.TrimStart().StartsWith($"{a.Id} ", StringComparison.Ordinal)));
        Assert.Contains("--wide or --json", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Wide_CarriesTheWholeMessageHintAndEvidence()
    {
        string text = string.Join(' ', Render(wide: true, width: 400).Select(l => l.Trim(' ', '│', '|')));

        foreach (var alert in EightAlerts)
        {
            Assert.Contains(alert.Message, text, StringComparison.Ordinal);
        }

        Assert.Contains("Usual causes:", text, StringComparison.Ordinal);
        Assert.Contains("ratio=800", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NoAlerts_SaysSo()
    {
        using var output = new StringWriter();
        AlertsTable.Write(new CliContext(output, TextWriter.Null, 80).Console, [], wide: false);
        Assert.Equal("No alerts.", output.ToString().Trim());
    }
}
