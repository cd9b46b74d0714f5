namespace TbBridge.Analysis.Tests.Support;

/// <summary>Test helpers over a finished analyser.</summary>
public static class Recorder
{
    /// <summary>Warning and critical alerts only.</summary>
    public static List<Alert> Serious(this RunAnalyzer a) => [.. a.Alerts.Where(x => x.Severity >= AlertSeverity.Warning)];

    public static string Describe(this IEnumerable<Alert> alerts) =>
        string.Join("; ", alerts.Select(a => $"{a.Kind}@{a.Step} {a.Tag}: {a.Message}"));

    /// <summary>Asserts no warning or critical alert and returns the analyser.</summary>
    public static RunAnalyzer AssertQuiet(this RunAnalyzer a)
    {
        var serious = a.Serious();
        Assert.True(serious.Count == 0, "expected no warning/critical alert, got: " + serious.Describe());
        return a;
    }

    /// <summary>Asserts that every warning or critical alert is of one of <paramref name="kinds"/>.</summary>
    public static RunAnalyzer AssertOnly(this RunAnalyzer a, params string[] kinds)
    {
        var others = a.Serious().Where(x => !kinds.Contains(x.Kind)).ToList();
        Assert.True(others.Count == 0, $"expected only {string.Join(", ", kinds)}, also got: " + others.Describe());
        return a;
    }

    public static Alert AssertSingle(this RunAnalyzer a, string kind)
    {
        var matches = a.Alerts.Where(x => x.Kind == kind).ToList();
        Assert.True(matches.Count >= 1, $"expected {kind}, got: " + a.Alerts.Describe());
        return matches[0];
    }
}
