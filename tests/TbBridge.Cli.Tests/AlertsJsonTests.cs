using System.Text.Json;
using TbBridge.Cli.Commands;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Tests;

public class AlertsJsonTests
{
    [Fact]
    public void Write_AlertWithNonFiniteEvidence_WritesEveryFieldAndNullForWhatJsonCannotHold()
    {
        var alert = new Alert
        {
            Id = 4, Kind = "exploding_gradients", Severity = Severity.Warning, Project = "p", Run = "r", Worker = "w", Tag = "grad_norm/total",
            Step = 90, Message = "grad_norm/total grew 1000x", RaisedAt = 1700000000.5, Subject = "gradients", Hint = "Clip gradients.",
            Tags = { "grad_norm/total", "grad_norm/fc1.weight" },
            Evidence = { ["ratio"] = double.PositiveInfinity, ["baseline"] = 0.01 },
        };

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            AlertsJson.Write(writer, alert);
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        var root = document.RootElement;
        Assert.Equal(
            ["id", "kind", "severity", "step", "project", "run", "worker", "tag", "message", "raised_at", "subject", "tags", "hint", "evidence"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("warning", root.GetProperty("severity").GetString());
        Assert.Equal("gradients", root.GetProperty("subject").GetString());
        Assert.Equal(["grad_norm/total", "grad_norm/fc1.weight"], root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Clip gradients.", root.GetProperty("hint").GetString());
        var evidence = root.GetProperty("evidence");
        Assert.Equal(["ratio", "baseline"], evidence.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, evidence.GetProperty("ratio").ValueKind);
        Assert.Equal(0.01, evidence.GetProperty("baseline").GetDouble());
    }

    [Fact]
    public void EvidenceText_Values_ReadAsNameEqualsSixSignificantDigits()
    {
        var alert = new Alert { Evidence = { ["ratio"] = 1234.56789, ["is_nan"] = 1, ["level"] = double.NaN } };

        Assert.Equal(["ratio=1234.57", "is_nan=1", "level=NaN"], AlertsJson.EvidenceText(alert));
    }
}
