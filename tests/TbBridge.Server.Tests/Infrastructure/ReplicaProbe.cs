using Grpc.Core;
using Npgsql;
using TbBridge.Protocol.V1;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>What the replica tests read back: a value from PostgreSQL, and the alerts a replica's <c>Watch</c> tells.</summary>
internal static class ReplicaProbe
{
    public static T Scalar<T>(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (T)command.ExecuteScalar()!;
    }

    public static AsyncServerStreamingCall<Alert> Watch(string address, string project)
    {
        var channel = Grpc.Net.Client.GrpcChannel.ForAddress(address);
        return new AlertService.AlertServiceClient(channel).Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = project } });
    }

    /// <summary>Every alert the watch tells until it is quiet for <paramref name="quiet"/> (or ends).</summary>
    public static async Task<List<Alert>> Drain(AsyncServerStreamingCall<Alert> watch, TimeSpan quiet)
    {
        var alerts = new List<Alert>();
        while (true)
        {
            using var timeout = new CancellationTokenSource(quiet);
            try
            {
                if (!await watch.ResponseStream.MoveNext(timeout.Token))
                {
                    return alerts;
                }

                alerts.Add(watch.ResponseStream.Current);
            }
            catch (RpcException)
            {
                return alerts;
            }
        }
    }

    /// <summary>Opens a stream through the balancer, reconnecting while the connection it had was cut (as every client does).</summary>
    public static async Task<IngestStream> OpenThroughAsync(Grpc.Net.Client.GrpcChannel channel, string project, string run, string worker, string streamId)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await IngestStream.OpenAsync(channel, project, run, worker, streamId);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Aborted && attempt < 40)
            {
                await Task.Delay(250);
            }
        }
    }
}
