using System.Text.Json;

namespace TbBridge.Analysis.Tests.Support;

/// <summary>A run's label.json (the schema of the datasets fixture's README.md: tests/Fixtures/datasets.tar.br).</summary>
public sealed record RunLabel(string Run, bool Healthy, string[] Problems, string[] AlsoAcceptable, long? FirstNonfiniteLossStep)
{
    public static RunLabel Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = doc.RootElement;
        static string[] Strings(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetString()!)];
        return new RunLabel(
            r.GetProperty("run").GetString()!,
            r.GetProperty("healthy").GetBoolean(),
            Strings(r.GetProperty("problems")),
            Strings(r.GetProperty("also_acceptable")),
            r.GetProperty("first_nonfinite_loss_step").ValueKind == JsonValueKind.Number ? r.GetProperty("first_nonfinite_loss_step").GetInt64() : null);
    }
}
