using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TbBridge.Cli.Internal;
using TbBridge.Events;

namespace TbBridge.Cli.Commands;

/// <summary><c>tbbridge inspect &lt;logdir&gt; [--json]</c>: every run's tags, kinds, point counts and step ranges, and every read error.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var logDir = new Argument<DirectoryInfo>("logdir") { Description = "A TensorBoard log directory (any writer's files)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of tables." };
        var command = new Command("inspect", "Summarise every run and tag of a log directory, like tensorboard --inspect.") { logDir, json };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetRequiredValue(logDir), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo logDir, bool json, CancellationToken cancellationToken)
    {
        if (!logDir.Exists)
        {
            await context.Error.WriteLineAsync($"tbbridge inspect: log directory not found: {logDir.FullName}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var errors = new List<EventReadError>();
        var runs = new List<RunInspection>();
        foreach (var run in LogDirectory.DiscoverRuns(logDir.FullName))
        {
            cancellationToken.ThrowIfCancellationRequested();
            runs.Add(LogInspector.InspectRun(run, errors));
        }

        if (runs.Count == 0)
        {
            await context.Error.WriteLineAsync(EmptyLogDirectory.Message("inspect", logDir.FullName).AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (json)
        {
            await JsonOutput.WriteAsync(context.Out, writer => WriteJson(writer, runs, errors), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            WriteTables(context.Console, logDir.FullName, runs, errors);
        }

        return errors.Count == 0 ? ExitCodes.Ok : ExitCodes.ReadErrors;
    }

    private static void WriteJson(System.Text.Json.Utf8JsonWriter writer, List<RunInspection> runs, List<EventReadError> errors)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("runs");
        foreach (var run in runs)
        {
            writer.WriteStartObject();
            writer.WriteString("run", run.Run);
            writer.WriteStartArray("tags");
            foreach (var tag in run.Tags)
            {
                writer.WriteStartObject();
                writer.WriteString("tag", tag.Tag);
                writer.WriteString("kind", tag.KindName);
                writer.WriteNumber("count", tag.Count);
                writer.WriteNumber("first_step", tag.FirstStep);
                writer.WriteNumber("last_step", tag.LastStep);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        JsonOutput.WriteErrors(writer, errors);
        writer.WriteEndObject();
    }

    private static void WriteTables(IAnsiConsole console, string root, List<RunInspection> runs, List<EventReadError> errors)
    {
        console.MarkupLineInterpolated($"[bold]{root}[/]: {runs.Count} run(s), {runs.Sum(r => r.Tags.Count)} tag(s)");
        foreach (var run in runs)
        {
            var table = new Table().Border(TableBorder.Simple).Title($"run [bold]{Markup.Escape(run.Run)}[/]")
                .AddColumn(new TableColumn("tag").NoWrap()).AddColumn("kind").AddColumn(new TableColumn("points").RightAligned())
                .AddColumn(new TableColumn("steps").RightAligned().NoWrap())
                .AddColumn(new TableColumn("first wall time (UTC)").NoWrap()).AddColumn(new TableColumn("last wall time (UTC)").NoWrap());
            foreach (var tag in run.Tags)
            {
                table.AddRow(
                    Markup.Escape(tag.Tag), tag.KindName, tag.Count.ToString("N0", CultureInfo.InvariantCulture),
                    string.Create(CultureInfo.InvariantCulture, $"{tag.FirstStep}–{tag.LastStep}"),
                    FormatWallTime(tag.FirstWallTime), FormatWallTime(tag.LastWallTime));
            }

            console.Write(table);
        }

        ReadErrorTable.Write(console, errors);
    }

    private static string FormatWallTime(double seconds) =>
        double.IsFinite(seconds) && Math.Abs(seconds) < 253_402_300_799
            ? DateTimeOffset.UnixEpoch.AddSeconds(seconds).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)
            : seconds.ToString(CultureInfo.InvariantCulture);
}
