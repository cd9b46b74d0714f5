using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Cli.Internal;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>
/// <c>tbbridge alerts --server URL [--watch] [--json] [--wide] [--project P] [--run R] [--api-key K]</c>: lists the
/// alerts a service has raised (every page), or follows them as they are raised. <c>--json</c> prints one
/// array of alert objects; with <c>--watch</c> one object per line (JSON Lines), since the list never ends.
/// </summary>
internal static class AlertsCommand
{
    public static Command Create(CliContext context)
    {
        var server = ServerOption.Create();
        var watch = new Option<bool>("--watch") { Description = "Keep following new alerts (after the existing ones) until Ctrl+C." };
        var json = new Option<bool>("--json") { Description = "JSON: an array, or one object per line with --watch." };
        var wide = new Option<bool>("--wide") { Description = "The full table: worker, tag, whole messages, hints and evidence, wrapped (by default one line per alert, cut to the terminal's width)." };
        var project = new Option<string?>("--project") { Description = "Only this project." };
        var run = new Option<string?>("--run") { Description = "Only this run." };
        var apiKey = ApiKeyOption.Create();
        var command = new Command("alerts", "List (or follow) the alerts a TbBridge service has raised.") { server, watch, json, wide, project, run, apiKey };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            parse.GetRequiredValue(server),
            parse.GetValue(watch),
            parse.GetValue(json),
            parse.GetValue(wide),
            new AlertFilter { Project = parse.GetValue(project) ?? "", Run = parse.GetValue(run) ?? "" },
            ApiKeyOption.Value(parse, apiKey),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, Uri server, bool watch, bool json, bool wide, AlertFilter filter, string? apiKey, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(server);
        var client = new AlertService.AlertServiceClient(channel);
        var headers = ApiKeyOption.Headers(apiKey);

        try
        {
            if (watch)
            {
                using var call = client.Watch(new WatchAlertsRequest { Filter = filter }, headers, cancellationToken: cancellationToken);
                while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    var alert = call.ResponseStream.Current;
                    if (json)
                    {
                        await JsonOutput.WriteAsync(context.Out, writer => AlertsJson.Write(writer, alert), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await context.Out.WriteLineAsync(Line(alert).AsMemory(), cancellationToken).ConfigureAwait(false);
                        await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                return ExitCodes.Ok;
            }

            var alerts = new List<Alert>();
            string token = "";
            do
            {
                var page = await client.ListAsync(new ListAlertsRequest { Filter = filter, PageSize = 1000, PageToken = token }, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
                alerts.AddRange(page.Alerts);
                token = page.NextPageToken;
            }
            while (token.Length > 0);

            if (json)
            {
                await JsonOutput.WriteAsync(context.Out, writer =>
                {
                    writer.WriteStartArray();
                    foreach (var alert in alerts)
                    {
                        AlertsJson.Write(writer, alert);
                    }

                    writer.WriteEndArray();
                }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                AlertsTable.Write(context.Console, alerts, wide);
            }

            return ExitCodes.Ok;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok; // Ctrl+C ends --watch
        }
        catch (RpcException ex)
        {
            var (message, exitCode) = ServiceErrors.Describe(ex, server);
            await context.Error.WriteLineAsync($"tbbridge alerts: {message}".AsMemory(), CancellationToken.None).ConfigureAwait(false);
            return exitCode;
        }
    }

    /// <summary>One line per alert (<c>--watch</c>): the alert, then its evidence in brackets and its hint.</summary>
    private static string Line(Alert alert)
    {
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"#{alert.Id} {AlertsJson.SeverityName(alert.Severity)} {alert.Kind} {alert.Project}/{alert.Run} ({alert.Worker}) {alert.Tag} step {alert.Step}: {alert.Message}");
        if (alert.Evidence.Count > 0)
        {
            line += " [" + string.Join(", ", AlertsJson.EvidenceText(alert)) + "]";
        }

        return alert.Hint.Length > 0 ? line + " Hint: " + alert.Hint : line;
    }
}
