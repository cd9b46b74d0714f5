using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Cli.Internal;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>
/// <c>tbbridge runs --server URL [--project P] [--json] [--api-key K]</c>: every run the service knows, with its
/// state (live, stalled, finished, disconnected), workers, last step, the age of its last point and its alerts.
/// </summary>
internal static class RunsCommand
{
    public static Command Create(CliContext context)
    {
        var server = ServerOption.Create();
        var project = new Option<string?>("--project") { Description = "Only this project." };
        var json = new Option<bool>("--json") { Description = "One JSON document: {\"runs\":[...]}." };
        var apiKey = ApiKeyOption.Create();
        var command = new Command("runs", "List the runs a TbBridge service knows: state, workers, last step, last point, alerts.") { server, project, json, apiKey };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            parse.GetRequiredValue(server),
            parse.GetValue(project) ?? "",
            parse.GetValue(json),
            ApiKeyOption.Value(parse, apiKey),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, Uri server, string project, bool json, string? apiKey, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(server);
        var client = new AlertService.AlertServiceClient(channel);
        var headers = ApiKeyOption.Headers(apiKey);

        try
        {
            var runs = new List<RunSummary>();
            string pageToken = "";
            do
            {
                var response = await client.ListRunsAsync(new ListRunsRequest { Project = project, PageSize = 1000, PageToken = pageToken }, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
                runs.AddRange(response.Runs);
                pageToken = response.NextPageToken;
            }
            while (pageToken.Length > 0);

            if (json)
            {
                await JsonOutput.WriteAsync(context.Out, writer => RunsTable.Json(writer, runs), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync(RunsTable.Text(runs).AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }
        catch (RpcException ex)
        {
            var (message, exitCode) = ServiceErrors.Describe(ex, server);
            await context.Error.WriteLineAsync($"tbbridge runs: {message}".AsMemory(), CancellationToken.None).ConfigureAwait(false);
            return exitCode;
        }
    }
}
