using TbBridge.Analysis.Tests.Support;
using TbBridge.Events;
using TbBridge.Testing;
using Xunit.Abstractions;

namespace TbBridge.Analysis.Tests;

/// <summary>
/// The labelled Keras evaluation: the 17 runs of the datasets fixture's keras-runs (Keras's train/ and validation/ folders,
/// epoch and batch axes, TF2 tensor scalars) grouped into training runs as <c>tbbridge analyze</c> groups them, and
/// each held to its label.json.
/// </summary>
public sealed class KerasEvaluationTests(ITestOutputHelper output)
{
    [Fact]
    public void KerasRuns_EveryRun_MatchesItsLabel()
    {
        var root = RepoPaths.KerasRuns;
        var runs = LogDirectory.DiscoverRuns(root).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var failures = new List<string>();
        var rows = new List<(RunLabel Label, IReadOnlyList<Alert> Alerts)>();
        var errors = new List<EventReadError>();
        foreach (var run in TrainingRunRules.Default.Group(runs.Keys))
        {
            var label = RunLabel.Read(Path.Combine(root, run.Name, "label.json"));
            var analyzer = new RunAnalyzer(run.Name);
            EventReplay.Feed(analyzer, run, sub => RunReader.ReadRun(runs[sub.Run], errors));
            analyzer.Complete();
            rows.Add((label, analyzer.Alerts));
            failures.AddRange(LabelledRuns.Check(label, analyzer.Alerts));
        }

        output.WriteLine(LabelledRuns.PerRunTable(rows));
        output.WriteLine(LabelledRuns.PerKindTable(rows));
        Assert.Empty(errors);
        Assert.Equal(17, rows.Count);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
