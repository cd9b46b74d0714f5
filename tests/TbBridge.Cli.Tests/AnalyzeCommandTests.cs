using System.Text.Json;
using TbBridge.Events;
using TbBridge.Testing;

namespace TbBridge.Cli.Tests;

public class AnalyzeCommandTests
{
    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await TbBridgeCli.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static Dictionary<string, JsonElement> RunsByName(JsonDocument doc) =>
        doc.RootElement.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("run").GetString()!);

    [Fact]
    public async Task Analyze_Json_PyTorchRunsReportLabelledProblemsInTheDocumentedShape()
    {
        var (exitCode, output, _) = await RunAsync("analyze", RepoPaths.PyTorchRuns, "--json");

        Assert.Equal(0, exitCode);
        using var doc = JsonDocument.Parse(output);
        var runs = RunsByName(doc);
        Assert.Equal(17, runs.Count);
        Assert.Empty(doc.RootElement.GetProperty("errors").EnumerateArray());

        var nan = runs["nan-in-batch"].GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "nan_inf");
        Assert.Equal(["kind", "severity", "step", "tag", "message"], nan.EnumerateObject().Select(p => p.Name).Take(5));
        Assert.Equal(("critical", 350, "train/loss"), (nan.GetProperty("severity").GetString(), nan.GetProperty("step").GetInt32(), nan.GetProperty("tag").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(nan.GetProperty("message").GetString()));

        foreach (var healthy in new[] { "healthy-adam", "healthy-cosine", "healthy-noisy-small-batch", "healthy-sgd-momentum" })
        {
            Assert.DoesNotContain(runs[healthy].GetProperty("alerts").EnumerateArray(), a => a.GetProperty("severity").GetString() != "info");
        }

        // Every run's labelled problems, read from its label.json.
        foreach (var (name, run) in runs)
        {
            using var label = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.PyTorchRuns, name, "label.json")));
            var kinds = run.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("kind").GetString()).ToHashSet();
            foreach (var problem in label.RootElement.GetProperty("problems").EnumerateArray())
            {
                Assert.Contains(problem.GetString(), kinds);
            }
        }
    }

    [Fact]
    public async Task Analyze_Table_ShowsAlertsAndCleanRuns()
    {
        var (exitCode, output, _) = await RunAsync("analyze", RepoPaths.PyTorchRuns);

        Assert.Equal(0, exitCode);
        Assert.Contains("17 run(s), 13 with problems", output, StringComparison.Ordinal);
        Assert.Contains("run healthy-adam: no problems found", output, StringComparison.Ordinal);
        Assert.Contains("nan_inf", output, StringComparison.Ordinal);
        Assert.Contains("train/loss is NaN at step 350", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_Table_GivesEachAlertsHint()
    {
        var (_, output, _) = await RunAsync("analyze", Path.Combine(RepoPaths.PyTorchRuns, "nan-in-batch"));
        Assert.Contains("Usual causes: learning rate too high, log/division/sqrt of zero", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("critical", "nan-in-batch", 5)]
    [InlineData("warning", "nan-in-batch", 5)]
    [InlineData("critical", "loss-spike-bad-batch", 0)]
    [InlineData("warning", "loss-spike-bad-batch", 5)]
    [InlineData("warning", "healthy-adam", 0)]
    public async Task Analyze_FailOn_ExitsFiveWhenAnAlertIsThatSevereOrWorse(string severity, string run, int expected)
    {
        var (exitCode, _, _) = await RunAsync("analyze", Path.Combine(RepoPaths.PyTorchRuns, run), "--fail-on", severity);
        Assert.Equal(expected, exitCode);
    }

    [Fact]
    public async Task Analyze_FailOnUnknownSeverity_ExitsTwo()
    {
        var (exitCode, _, _) = await RunAsync("analyze", Path.Combine(RepoPaths.PyTorchRuns, "healthy-adam"), "--fail-on", "info");
        Assert.Equal(2, exitCode);
    }

    [Fact]
    public async Task Analyze_Config_MapsAnUnusualLossTagToItsRole()
    {
        using var temp = new TempFolder();
        string runDir = Path.Combine(temp.Path, "custom");
        using (var writer = EventFileWriter.Create(runDir))
        {
            for (long step = 0; step < 10; step++)
            {
                writer.WriteEvent(ScalarEvent("J_main", step, step < 7 ? 1.0 / (step + 1) : double.NaN));
            }
        }

        string config = Path.Combine(temp.Path, "signals.json");
        File.WriteAllText(config, """{ "rules": [ { "pattern": "^J_main$", "role": "train_loss" } ] }""");

        var (_, without, _) = await RunAsync("analyze", temp.Path, "--json");
        var (exitCode, with, _) = await RunAsync("analyze", temp.Path, "--json", "--config", config);

        Assert.Equal(0, exitCode);
        using var docWithout = JsonDocument.Parse(without);
        var alertsWithout = RunsByName(docWithout)["custom"].GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["unrecognized_signals"], alertsWithout);
        using var docWith = JsonDocument.Parse(with);
        var nan = Assert.Single(RunsByName(docWith)["custom"].GetProperty("alerts").EnumerateArray());
        Assert.Equal(("nan_inf", 7), (nan.GetProperty("kind").GetString(), nan.GetProperty("step").GetInt32()));
    }

    [Fact]
    public async Task Analyze_KerasTrainAndValidationFolders_OneTrainingRunWhoseAlertsNameTheSubRun()
    {
        using var temp = new TempFolder();
        foreach (var sub in new[] { "train", "validation" })
        {
            using var writer = EventFileWriter.Create(Path.Combine(temp.Path, "fit", sub));
            for (long epoch = 0; epoch < 10; epoch++)
            {
                writer.WriteEvent(ScalarEvent("epoch_loss", epoch, epoch < 6 ? 1.0 / (epoch + 1) : double.NaN));
            }
        }

        var (exitCode, output, _) = await RunAsync("analyze", temp.Path, "--json");
        var (_, apart, _) = await RunAsync("analyze", temp.Path, "--json", "--config", WriteConfig(temp, """{"trainingRuns": {"group": false}}"""));

        Assert.Equal(0, exitCode);
        using var doc = JsonDocument.Parse(output);
        var run = Assert.Single(RunsByName(doc));
        Assert.Equal("fit", run.Key);
        var nan = Assert.Single(run.Value.GetProperty("alerts").EnumerateArray());
        Assert.Equal(("nan_inf", 6, "train/epoch_loss", "train"),
            (nan.GetProperty("kind").GetString(), nan.GetProperty("step").GetInt32(), nan.GetProperty("tag").GetString(), nan.GetProperty("sub_run").GetString()));
        using var docApart = JsonDocument.Parse(apart);
        Assert.Equal(["fit/train", "fit/validation"], RunsByName(docApart).Keys.Order(StringComparer.Ordinal));
    }

    private static string WriteConfig(TempFolder temp, string json)
    {
        string path = Path.Combine(temp.Path, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Analyze_BadConfig_ExitsTwoWithTheReason()
    {
        using var temp = new TempFolder();
        string config = Path.Combine(temp.Path, "signals.json");
        File.WriteAllText(config, """{ "rules": [ { "pattern": "x", "role": "no_such_role" } ] }""");

        var (exitCode, _, error) = await RunAsync("analyze", temp.Path, "--config", config);

        Assert.Equal(2, exitCode);
        Assert.Contains("no_such_role", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_MissingDirectory_ExitsTwo()
    {
        var (exitCode, _, error) = await RunAsync("analyze", Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(2, exitCode);
        Assert.Contains("not found", error, StringComparison.Ordinal);
    }

    /// <summary>A TF1 simple_value scalar event, encoded by hand (an independent path from the library's writers).</summary>
    private static byte[] ScalarEvent(string tag, long step, double value)
    {
        var summaryValue = new Events.Protos.Summary.Types.Value { Tag = tag, SimpleValue = (float)value };
        var evt = new Events.Protos.Event { WallTime = 1_700_000_000 + step, Step = step, Summary = new Events.Protos.Summary { Value = { summaryValue } } };
        return Google.Protobuf.MessageExtensions.ToByteArray(evt);
    }

    [Fact]
    public async Task Analyze_DirectoryWithoutEventFiles_SaysItIsEmptyAndExitsTwo()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.Combine("runs", "exp1"));

        var (exitCode, output, error) = await RunAsync("analyze", temp.Path, "--json");

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Contains($"no runs under {temp.Path}", error, StringComparison.Ordinal);
    }
}
