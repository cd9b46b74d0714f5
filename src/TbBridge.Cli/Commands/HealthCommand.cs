using System.CommandLine;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using TbBridge.Cli.Internal;

namespace TbBridge.Cli.Commands;

/// <summary>
/// <c>tbbridge health --server URL [--service NAME]</c>: asks the service's gRPC health endpoint
/// (grpc.health.v1) and exits 0 when it is serving; the container health check uses it.
/// </summary>
internal static class HealthCommand
{
    public static Command Create(CliContext context)
    {
        var server = ServerOption.Create();
        var service = new Option<string>("--service") { Description = "A service name to check; empty for the whole server.", DefaultValueFactory = _ => "" };
        var timeout = DurationOption.Create("--timeout", "How long to wait for the answer", TimeSpan.FromSeconds(5));
        var command = new Command("health", "Check that a TbBridge service is up (gRPC health checking).") { server, service, timeout };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetRequiredValue(server), parse.GetValue(service) ?? "", parse.GetValue(timeout), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, Uri server, string service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(server);
        var client = new Health.HealthClient(channel);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var reply = await client.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: deadline.Token).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"{server}: {reply.Status}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving ? ExitCodes.Ok : ExitCodes.Unhealthy;
        }
        catch (RpcException e)
        {
            var (message, exitCode) = ServiceErrors.Describe(e, server);
            await context.Error.WriteLineAsync($"tbbridge health: {message}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return exitCode;
        }
    }
}
