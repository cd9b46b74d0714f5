using System.Globalization;
using System.Text;
using System.Text.Json;
using TbBridge.Analysis.Tests.Support;
using TbBridge.Events;
using Xunit.Abstractions;

namespace TbBridge.Analysis.Tests;

/// <summary>
/// The labelled evaluation: every run of ../shared/datasets/pytorch-runs replayed through the engine and held to its label.json.
/// </summary>
public sealed class DatasetEvaluationTests(ITestOutputHelper output)
{
    private sealed record Label(string Run, bool Healthy, string[] Problems, string[] AlsoAcceptable, long? FirstNonfiniteLossStep);

    [Fact]
    public void PyTorchRuns_EveryRun_MatchesItsLabel() => Evaluate(Variant.Original);

    /// <summary>
    /// The same runs as another user would log them: other tag names (Keras/Lightning habits) or only every 5th
    /// per-step point. Rules fitted to the stock names or the exact cadence fail here.
    /// </summary>
    [Theory]
    [InlineData(Variant.Renamed)]
    [InlineData(Variant.Underscored)]
    [InlineData(Variant.EveryFifthStep)]
    [InlineData(Variant.NoActivationHistograms)]
    public void PyTorchRuns_AsLoggedDifferently_StillMatchLabels(Variant variant) => Evaluate(variant);

    public enum Variant
    {
        Original,
        Renamed,
        Underscored,
        EveryFifthStep,
        NoActivationHistograms,
    }

    private void Evaluate(Variant variant)
    {
        var root = SharedData.PyTorchRunsOrNull();
        if (root is null)
        {
            Assert.False(SharedData.InCi, "../shared/datasets/pytorch-runs is missing: CI must have shared/ beside the checkout");
            output.WriteLine("SKIPPED: ../shared/datasets/pytorch-runs not found (outside CI)");
            return;
        }

        var failures = new List<string>();
        var rows = new List<(Label Label, IReadOnlyList<Alert> Alerts)>();
        foreach (var run in LogDirectory.DiscoverRuns(root).OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var label = ReadLabel(Path.Combine(run.Directory, "label.json"));
            var analyzer = new RunAnalyzer(run.Name);
            var errors = new List<EventReadError>();
            foreach (var evt in RunReader.ReadRun(run, errors))
            {
                EventReplay.Feed(analyzer, Transform(evt, variant));
            }

            analyzer.Complete();
            Assert.Empty(errors);
            rows.Add((label, analyzer.Alerts));
            failures.AddRange(Check(Expected(label, variant), analyzer.Alerts));
        }

        output.WriteLine(PerRunTable(rows));
        output.WriteLine(PerKindTable(rows));
        Assert.Equal(17, rows.Count);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>
    /// Thinned to every 5th step, a run that breaks down within 5 steps keeps no finite point between its start and
    /// its NaN: only nan_inf (at the first kept step) can still be asked of it; the rest becomes acceptable.
    /// </summary>
    private static Label Expected(Label label, Variant variant)
    {
        if (variant != Variant.EveryFifthStep || label.FirstNonfiniteLossStep is not { } f)
        {
            return label;
        }

        var kept = (f + 4) / 5 * 5;
        return f > 5
            ? label with { FirstNonfiniteLossStep = kept }
            : label with
            {
                FirstNonfiniteLossStep = kept,
                Problems = [.. label.Problems.Where(p => p == AlertKind.NanInf)],
                AlsoAcceptable = [.. label.AlsoAcceptable, .. label.Problems.Where(p => p != AlertKind.NanInf)],
            };
    }

    private static DecodedEvent Transform(DecodedEvent evt, Variant variant)
    {
        switch (variant)
        {
            case Variant.Renamed:
                return new DecodedEvent(evt.WallTime, evt.Step, evt.FileVersion,
                    [.. evt.Values.Select(v => new SummaryValue(Rename(v.Tag), v.Kind, v.PluginName, v.Scalar, v.Histogram, v.Text))]);
            case Variant.Underscored:
                return new DecodedEvent(evt.WallTime, evt.Step, evt.FileVersion,
                    [.. evt.Values.Select(v => new SummaryValue(Underscore(v.Tag), v.Kind, v.PluginName, v.Scalar, v.Histogram, v.Text))]);
            case Variant.EveryFifthStep:
                return evt.Step % 5 == 0 ? evt : new DecodedEvent(evt.WallTime, evt.Step, evt.FileVersion,
                    [.. evt.Values.Where(v => v.Kind != ValueKind.Scalar || v.Tag.StartsWith("val/", StringComparison.Ordinal))]);
            case Variant.NoActivationHistograms:
                return new DecodedEvent(evt.WallTime, evt.Step, evt.FileVersion,
                    [.. evt.Values.Where(v => !v.Tag.StartsWith("activations/", StringComparison.Ordinal))]);
            default:
                return evt;
        }
    }

    private static string Rename(string tag) => tag switch
    {
        "train/loss" => "loss",
        "val/loss" => "val_loss",
        "train/accuracy" => "accuracy",
        "val/accuracy" => "val_accuracy",
        "train/lr" => "lr-SGD",
        "grad_norm/total" => "GradNorm",
        "val/predictions" => "predictions",
        _ when tag.StartsWith("grad_norm/", StringComparison.Ordinal) => tag["grad_norm/".Length..] + "/grad_norm",
        _ when tag.StartsWith("grads/", StringComparison.Ordinal) => tag["grads/".Length..] + ".grad",
        _ when tag.StartsWith("weights/", StringComparison.Ordinal) => tag["weights/".Length..],
        _ when tag.StartsWith("activations/", StringComparison.Ordinal) => "act_" + tag["activations/".Length..],
        _ => tag,
    };

    private static string Underscore(string tag) => tag switch
    {
        "train/lr" => "learning_rate",
        "train/accuracy" => "train_acc",
        "val/accuracy" => "val_acc",
        _ => tag.Replace('/', '_'),
    };

    private static IEnumerable<string> Check(Label label, IReadOnlyList<Alert> alerts)
    {
        var raised = alerts.Where(a => a.Severity >= AlertSeverity.Warning).Select(a => a.Kind).ToHashSet(StringComparer.Ordinal);
        foreach (var p in label.Problems.Where(p => !raised.Contains(p)))
        {
            yield return $"{label.Run}: labelled problem '{p}' not reported";
        }

        var allowed = label.Problems.Concat(label.AlsoAcceptable).ToHashSet(StringComparer.Ordinal);
        foreach (var a in alerts.Where(a => a.Severity >= AlertSeverity.Warning && !allowed.Contains(a.Kind)))
        {
            yield return $"{label.Run}: false alarm {a.Kind} ({a.Severity}) at step {a.Step} on {a.Tag}: {a.Message}";
        }

        foreach (var a in alerts.Where(a => a.Kind == AlertKind.NanInf && a.Step != label.FirstNonfiniteLossStep))
        {
            yield return $"{label.Run}: nan_inf at step {a.Step}, labelled first non-finite loss step {label.FirstNonfiniteLossStep}";
        }
    }

    private static string PerRunTable(List<(Label Label, IReadOnlyList<Alert> Alerts)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | labelled problems | reported (kind@step) |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var (label, alerts) in rows)
        {
            var reported = string.Join(", ", alerts.Select(a => $"{a.Kind}@{a.Step}{(a.Severity == AlertSeverity.Info ? " (info)" : string.Empty)}"));
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {label.Run} | {(label.Problems.Length == 0 ? "healthy" : string.Join(", ", label.Problems))} | {(reported.Length == 0 ? "-" : reported)} |");
        }

        return sb.ToString();
    }

    /// <summary>Per kind: runs labelled with it and found, missed, and runs where it was raised as warning/critical without label or acceptance.</summary>
    private static string PerKindTable(List<(Label Label, IReadOnlyList<Alert> Alerts)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| kind | labelled | found | missed | acceptable extra | false alarms | healthy-run alarms |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var kind in AlertKind.All.Where(k => k != AlertKind.UnrecognizedSignals))
        {
            int labelled = 0, found = 0, acceptable = 0, falseAlarms = 0, healthy = 0;
            foreach (var (label, alerts) in rows)
            {
                var raised = alerts.Any(a => a.Kind == kind && a.Severity >= AlertSeverity.Warning);
                if (label.Problems.Contains(kind))
                {
                    labelled++;
                    found += raised ? 1 : 0;
                }
                else if (raised && label.AlsoAcceptable.Contains(kind))
                {
                    acceptable++;
                }
                else if (raised)
                {
                    falseAlarms++;
                    healthy += label.Healthy ? 1 : 0;
                }
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {labelled} | {found} | {labelled - found} | {acceptable} | {falseAlarms} | {healthy} |");
        }

        return sb.ToString();
    }

    private static Label ReadLabel(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = doc.RootElement;
        static string[] Strings(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetString()!)];
        return new Label(
            r.GetProperty("run").GetString()!,
            r.GetProperty("healthy").GetBoolean(),
            Strings(r.GetProperty("problems")),
            Strings(r.GetProperty("also_acceptable")),
            r.GetProperty("first_nonfinite_loss_step").ValueKind == JsonValueKind.Number ? r.GetProperty("first_nonfinite_loss_step").GetInt64() : null);
    }
}
