using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using TbBridge.Cli.Commands.Follow;
using TbBridge.Cli.Internal;
using TbBridge.Events;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>
/// <c>tbbridge upload &lt;logdir&gt; --server URL [--project P] [--api-key K]</c>: sends every run of a log
/// directory (any writer's files) through the ingest protocol. Each event file is one stream whose id
/// is derived from the project, run, file name and first record; batches are numbered 1, 2, 3… and the
/// <see cref="UploadLedger"/> says where each ends, so a second upload resumes where the service's durable
/// copy ends and sends nothing twice.
/// </summary>
internal static class UploadCommand
{
    public static Command Create(CliContext context)
    {
        var logDir = new Argument<DirectoryInfo>("logdir") { Description = "A TensorBoard log directory (any writer's files)." };
        var server = ServerOption.Create();
        var project = new Option<string>("--project") { Description = "The project the runs go to.", DefaultValueFactory = _ => "default" };
        var apiKey = ApiKeyOption.Create();
        var batch = new Option<int>("--batch") { Description = "Points per batch.", DefaultValueFactory = _ => 8192 };
        var follow = new Option<bool>("--follow") { Description = "Keep following the directory as it is written (new runs, files and records) until Ctrl+C or SIGTERM." };
        var poll = DurationOption.Create("--poll", "With --follow: how often to look for new runs, files and records", TimeSpan.FromSeconds(1));
        var stateDir = new Option<DirectoryInfo>("--state-dir")
        {
            Description = "Where the upload ledgers are kept (where each batch sent ends in its file; a re-run resumes from them). Default: $TBBRIDGE_STATE_DIR, else $XDG_STATE_HOME/tbbridge, else ~/.local/state/tbbridge.",
            DefaultValueFactory = _ => new DirectoryInfo(UploadLedger.DefaultStateDirectory()),
        };
        var command = new Command("upload", "Upload runs to a TbBridge service, or follow a directory still being written (--follow); nothing is uploaded twice.") { logDir, server, project, apiKey, batch, follow, poll, stateDir };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            parse.GetRequiredValue(logDir),
            parse.GetRequiredValue(server),
            parse.GetValue(project) ?? "default",
            ApiKeyOption.Value(parse, apiKey),
            parse.GetValue(batch),
            parse.GetValue(follow) ? parse.GetValue(poll) : null,
            parse.GetRequiredValue(stateDir).FullName,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo logDir, Uri server, string project, string? apiKey, int batchPoints, TimeSpan? follow, string stateDirectory, CancellationToken cancellationToken)
    {
        if (follow is { } poll)
        {
            if (batchPoints < 1)
            {
                await context.Error.WriteLineAsync("tbbridge upload: --batch must be at least 1".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            // The directory need not exist yet: a sidecar often starts before the job creates it.
            var settings = new FollowSettings(poll, batchPoints, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeProvider.System) { StateDirectory = stateDirectory };
            return await FollowCommand.RunAsync(context, logDir.FullName, server, project, ApiKeyOption.Headers(apiKey), settings, cancellationToken).ConfigureAwait(false);
        }

        if (!logDir.Exists)
        {
            await context.Error.WriteLineAsync($"tbbridge upload: log directory not found: {logDir.FullName}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (batchPoints < 1)
        {
            await context.Error.WriteLineAsync("tbbridge upload: --batch must be at least 1".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var files = UploadFile.Plan(logDir.FullName, project);
        using var channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions { MaxSendMessageSize = null });
        var client = new IngestService.IngestServiceClient(channel);
        var headers = ApiKeyOption.Headers(apiKey);

        if (files.Count == 0)
        {
            await context.Error.WriteLineAsync(EmptyLogDirectory.Message("upload", logDir.FullName).AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var results = new List<UploadResult>();
        RpcException? stopped = null;
        long totalBytes = Math.Max(1, files.Sum(f => new FileInfo(f.Path).Length));
        await context.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"Uploading {files.Count} event files", maxValue: totalBytes);
                foreach (var file in files)
                {
                    double before = task.Value;
                    var result = await file.UploadAsync(client, headers, batchPoints, stateDirectory, bytes => task.Value = before + bytes, cancellationToken).ConfigureAwait(false);
                    task.Value = before + new FileInfo(file.Path).Length;
                    results.Add(result);
                    if (result.Failure is { } failure && (ServiceErrors.RefusesEveryCall(failure) || (failure.StatusCode == StatusCode.Unavailable && result.Sent == 0)))
                    {
                        stopped = failure; // the same key, or no service at all: every other file would fail alike
                        break;
                    }
                }
            }).ConfigureAwait(false);

        foreach (var result in results)
        {
            string line = result.Error is null
                ? string.Create(CultureInfo.InvariantCulture, $"{result.File.Project}/{result.File.Run} ({Path.GetFileName(result.File.Path)}): {result.Sent:N0} points uploaded, {result.AlreadyThere:N0} already on the service, {result.Skipped:N0} not sendable (hparams, images, audio, graphs, other tensors: upload carries scalars, histograms and text)")
                : $"{result.File.Project}/{result.File.Run} ({Path.GetFileName(result.File.Path)}): FAILED: {result.Error}";
            await context.Out.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        var damage = results.SelectMany(r => r.ReadErrors).ToList();
        ReadErrorTable.Write(context.Console, damage);
        int failed = results.Count(r => r.Error is not null);
        await context.Out.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{results.Sum(r => r.Sent):N0} points uploaded, {results.Sum(r => r.AlreadyThere):N0} already there, {failed} of {results.Count} files failed, {files.Count - results.Count} not tried, {damage.Count} damaged records skipped").AsMemory(), cancellationToken).ConfigureAwait(false);
        if (stopped is not null)
        {
            var (message, exitCode) = ServiceErrors.Describe(stopped, server);
            await context.Error.WriteLineAsync($"tbbridge upload: {message}; stopped after the first file".AsMemory(), cancellationToken).ConfigureAwait(false);
            return exitCode;
        }

        if (failed == 0)
        {
            return damage.Count > 0 ? ExitCodes.ReadErrors : ExitCodes.Ok;
        }

        bool anyRefused = results.Any(r => r.Failure is { } f && ServiceErrors.Describe(f, server).ExitCode == ExitCodes.Refused);
        return anyRefused ? ExitCodes.Refused : ExitCodes.Unhealthy;
    }
}
