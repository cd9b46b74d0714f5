using TbBridge.Analysis.Tests.Support;
using TbBridge.Events;
using TbBridge.Testing;
using Xunit.Abstractions;

namespace TbBridge.Analysis.Tests;

/// <summary>
/// The labelled evaluation: every run of the datasets fixture's pytorch-runs replayed through the engine and held to its label.json.
/// </summary>
public sealed class DatasetEvaluationTests(ITestOutputHelper output)
{
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
        var root = RepoPaths.PyTorchRuns;
        var failures = new List<string>();
        var rows = new List<(RunLabel Label, IReadOnlyList<Alert> Alerts)>();
        foreach (var run in LogDirectory.DiscoverRuns(root).OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var label = RunLabel.Read(Path.Combine(run.Directory, "label.json"));
            var analyzer = new RunAnalyzer(run.Name);
            var errors = new List<EventReadError>();
            foreach (var evt in RunReader.ReadRun(run, errors))
            {
                EventReplay.Feed(analyzer, Transform(evt, variant));
            }

            analyzer.Complete();
            Assert.Empty(errors);
            rows.Add((label, analyzer.Alerts));
            failures.AddRange(LabelledRuns.Check(Expected(label, variant), analyzer.Alerts));
        }

        output.WriteLine(LabelledRuns.PerRunTable(rows));
        output.WriteLine(LabelledRuns.PerKindTable(rows));
        Assert.Equal(17, rows.Count);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>
    /// Thinned to every 5th step, a run that breaks down within 5 steps keeps no finite point between its start and
    /// its NaN: only nan_inf (at the first kept step) can still be asked of it; the rest becomes acceptable.
    /// </summary>
    private static RunLabel Expected(RunLabel label, Variant variant)
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
}
