using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The run registry across two real replicas on one PostgreSQL: <c>ListRuns</c> and <c>GetRun</c> (and the page, a
/// reader of the same seam) answer for every replica's streams, whichever replica is asked.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaRunsTests : IDisposable
{
    private const string Project = "p";
    private const string Run = "r";
    private readonly PostgresCluster _cluster;
    private readonly TempFolder _data = new();

    public ReplicaRunsTests(PostgresCluster cluster)
    {
        _cluster = cluster;
    }

    public void Dispose() => _data.Dispose();

    [PostgresFact]
    public async Task GetRun_WorkersOnBothReplicas_EitherReplicaCountsEveryWorkerPointTagAndState()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        using var toA = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(0));
        using var toB = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(1));
        var onA = await IngestStream.OpenAsync(toA, Project, Run, "w0", "a"); // steps 0..299, tags metric/0..3
        for (ulong seq = 1; seq <= 3; seq++)
        {
            await onA.SendAsync(Batches.Numbered(seq, 100));
        }

        var onB = await IngestStream.OpenAsync(toB, Project, Run, "w1", "b"); // steps 0..199, tags metric/0..5
        for (ulong seq = 1; seq <= 2; seq++)
        {
            await onB.SendAsync(Batches.Numbered(seq, 100, tagCount: 6));
        }

        Assert.True(await onA.WaitAckAsync(3));
        Assert.True(await onB.WaitAckAsync(2));
        for (int replica = 0; replica < 2; replica++)
        {
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(replica));
            var client = new AlertService.AlertServiceClient(channel);
            var details = await client.GetRunAsync(new GetRunRequest { Project = Project, Run = Run });
            Assert.Equal(["w0", "w1"], details.Workers);
            Assert.Equal(500, details.Points);
            Assert.Equal(Enumerable.Range(0, 6).Select(i => $"metric/{i}"), details.Tags);
            Assert.Equal(299, details.Summary.LastStep);
            Assert.Equal(RunState.Active, details.Summary.State);
            Assert.True(details.Summary.LastPointAt > 0);
            var listed = Assert.Single((await client.ListRunsAsync(new ListRunsRequest { Project = Project })).Runs);
            Assert.Equal(2, listed.WorkerCount);
        }

        // w0 ends cleanly on replica 0, w1's call breaks on replica 1: replica 0 tells the run is disconnected.
        await onA.CompleteAsync();
        await onA.DisposeAsync();
        await onB.DisposeAsync();
        var fromA = new AlertService.AlertServiceClient(toA);
        await Eventually.HoldsAsync(
            async () => (await fromA.GetRunAsync(new GetRunRequest { Project = Project, Run = Run })).Summary.State == RunState.Disconnected,
            "replica 0 tells the run disconnected after w1 broke on replica 1",
            timeoutSeconds: 30);
        Assert.Equal(500, (await fromA.GetRunAsync(new GetRunRequest { Project = Project, Run = Run })).Points);
    }
}
