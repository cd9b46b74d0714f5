using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TbBridge.Analysis;
using TbBridge.Cli.Internal;
using TbBridge.Events;

namespace TbBridge.Cli.Commands;

/// <summary>
/// <c>tbbridge analyze &lt;logdir&gt; [--json] [--config signals.json] [--fail-on warning|critical]</c>: replays every
/// training run through the analysis engine and prints each run's alerts.
/// </summary>
internal static class AnalyzeCommand
{
    /// <summary>Show a progress bar above this many bytes of event files (on an interactive terminal, tables only).</summary>
    private const long ProgressThresholdBytes = 32L << 20;

    public static Command Create(CliContext context)
    {
        var logDir = new Argument<DirectoryInfo>("logdir") { Description = "A TensorBoard log directory (any writer's files)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of tables." };
        var config = new Option<FileInfo?>("--config") { Description = "A signal rules file (JSON) mapping your tag names to roles; see docs/detection.md." };
        var failOn = new Option<string?>("--fail-on")
        {
            Description = $"Exit with code {ExitCodes.AlertsFound} when any alert of this severity or worse is found (for CI).",
        };
        failOn.AcceptOnlyFromAmong("warning", "critical");
        var command = new Command("analyze", $"Detect training problems (NaN, divergence, exploding/vanishing gradients, plateaus, overfitting...) in every run of a log directory. Exit codes: {ExitCodes.Ok} ok, {ExitCodes.ReadErrors} damaged records, {ExitCodes.Usage} bad usage, {ExitCodes.AlertsFound} alerts at the --fail-on severity or worse.")
        {
            logDir, json, config, failOn,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context, parse.GetRequiredValue(logDir), parse.GetValue(json), parse.GetValue(config), Threshold(parse.GetValue(failOn)), cancellationToken));
        return command;
    }

    private static AlertSeverity? Threshold(string? failOn) => failOn switch
    {
        "warning" => AlertSeverity.Warning,
        "critical" => AlertSeverity.Critical,
        _ => null,
    };

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo logDir, bool json, FileInfo? config, AlertSeverity? failOn, CancellationToken cancellationToken)
    {
        if (!logDir.Exists)
        {
            await context.Error.WriteLineAsync($"tbbridge analyze: log directory not found: {logDir.FullName}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var options = AnalysisOptions.Default;
        var grouping = TrainingRunRules.Default;
        if (config is not null)
        {
            try
            {
                var text = await File.ReadAllTextAsync(config.FullName, cancellationToken).ConfigureAwait(false);
                options = new AnalysisOptions { SignalRules = SignalRules.LoadJson(text) };
                grouping = TrainingRunRules.LoadJson(text);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"tbbridge analyze: cannot use --config {config.FullName}: {e.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Usage;
            }
        }

        var runs = LogDirectory.DiscoverRuns(logDir.FullName);
        if (runs.Count == 0)
        {
            await context.Error.WriteLineAsync(EmptyLogDirectory.Message("analyze", logDir.FullName).AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var byName = runs.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var trainingRuns = grouping.Group(runs.Select(r => r.Name));
        var errors = new List<EventReadError>();
        var results = new List<RunAnalyzer>(trainingRuns.Count);
        var totalBytes = runs.Sum(r => r.EventFiles.Sum(FileSize));
        if (!json && context.Console.Profile.Capabilities.Interactive && totalBytes > ProgressThresholdBytes)
        {
            context.Console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(progress =>
                {
                    var task = progress.AddTask("analysing", maxValue: totalBytes);
                    foreach (var run in trainingRuns)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        task.Description = Markup.Escape(run.Name);
                        results.Add(AnalyzeReplay.AnalyzeRun(run, byName, options, errors));
                        task.Increment(run.SubRuns.Sum(s => byName[s.Run].EventFiles.Sum(FileSize)));
                    }
                });
        }
        else
        {
            foreach (var run in trainingRuns)
            {
                cancellationToken.ThrowIfCancellationRequested();
                results.Add(AnalyzeReplay.AnalyzeRun(run, byName, options, errors));
            }
        }

        if (json)
        {
            await JsonOutput.WriteAsync(context.Out, writer => WriteJson(writer, results, errors), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            WriteTables(context.Console, logDir.FullName, results, errors);
        }

        if (failOn is { } threshold && results.Any(r => r.Alerts.Any(a => a.Severity >= threshold)))
        {
            return ExitCodes.AlertsFound;
        }

        return errors.Count == 0 ? ExitCodes.Ok : ExitCodes.ReadErrors;
    }

    private static long FileSize(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void WriteJson(Utf8JsonWriter writer, List<RunAnalyzer> results, List<EventReadError> errors)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("runs");
        foreach (var run in results)
        {
            writer.WriteStartObject();
            writer.WriteString("run", run.Run);
            writer.WriteStartArray("alerts");
            foreach (var alert in run.Alerts)
            {
                WriteAlert(writer, alert);
            }

            writer.WriteEndArray();
            writer.WriteNumber("points", run.PointsObserved);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        JsonOutput.WriteErrors(writer, errors);
        writer.WriteEndObject();
    }

    private static void WriteAlert(Utf8JsonWriter writer, Alert alert)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", alert.Kind);
        writer.WriteString("severity", alert.Severity.ToWireString());
        writer.WriteNumber("step", alert.Step);
        writer.WriteString("tag", alert.Tag);
        writer.WriteString("message", alert.Message);
        writer.WriteString("subject", alert.Subject);
        if (alert.SubRun is { } subRun)
        {
            writer.WriteString("sub_run", subRun);
        }

        JsonOutput.WriteNumberOrNull(writer, "wall_time", alert.WallTime);
        JsonOutput.WriteAlertDetail(writer, alert.Tags, alert.Hint, alert.Evidence);
        writer.WriteEndObject();
    }

    private static void WriteTables(IAnsiConsole console, string root, List<RunAnalyzer> results, List<EventReadError> errors)
    {
        var serious = results.Count(r => r.Alerts.Any(a => a.Severity >= AlertSeverity.Warning));
        console.MarkupLineInterpolated($"[bold]{root}[/]: {results.Count} run(s), {serious} with problems");
        foreach (var run in results)
        {
            if (run.Alerts.Count == 0)
            {
                console.MarkupLineInterpolated($"run [bold]{run.Run}[/]: [green]no problems found[/] ({run.PointsObserved.ToString("N0", CultureInfo.InvariantCulture)} points)");
                continue;
            }

            var table = new Table().Border(TableBorder.Simple).Title($"run [bold]{Markup.Escape(run.Run)}[/]")
                .AddColumn(new TableColumn("severity").NoWrap()).AddColumn(new TableColumn("kind").NoWrap())
                .AddColumn(new TableColumn("step").RightAligned()).AddColumn(new TableColumn("tag").NoWrap()).AddColumn("message and hint");
            foreach (var alert in run.Alerts)
            {
                table.AddRow(
                    Severity(alert.Severity), Markup.Escape(alert.Kind), alert.Step.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(alert.Tag), Markup.Escape(alert.Message) + (alert.Hint.Length == 0 ? string.Empty : "\n[grey]" + Markup.Escape(alert.Hint) + "[/]"));
            }

            console.Write(table);
        }

        ReadErrorTable.Write(console, errors);
    }

    private static string Severity(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => "[bold red]critical[/]",
        AlertSeverity.Warning => "[yellow]warning[/]",
        _ => "[grey]info[/]",
    };
}
