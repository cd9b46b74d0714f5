using Grpc.Core;
using TbBridge.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using static TbBridge.Server.Tests.Infrastructure.ReplicaProbe;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// Liveness and one stream per worker across two real replicas on one PostgreSQL: a replica that dies holding a stream
/// (kill -9, its heartbeat stops) has that stream judged by the other, once; a worker's second stream id is refused on
/// the other replica while its first is live.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaLivenessTests : IDisposable
{
    private const string Project = "p";
    private const string Run = "r";
    private const string DisconnectedCount = "SELECT COUNT(*) FROM alerts WHERE kind = 'disconnected'";
    private readonly PostgresCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _data = new();

    public ReplicaLivenessTests(PostgresCluster cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    public void Dispose() => _data.Dispose();

    [PostgresFact]
    public async Task Liveness_ReplicaKilledHoldingAStreamThatNeverComesBack_TheOtherRaisesDisconnectedOnce()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database, "--TbBridge:DisconnectGrace=00:00:02");
        using var watchB = Watch(pair.AddressOf(1), Project);
        using var toA = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(0));
        var stream = await EndToEndSetup.OpenAckedAsync(toA, Project, Run, "w0", "orphaned", batches: 3);
        pair.Kill(0); // SIGKILL: no release, no clean end; only its heartbeat stops

        // Past the replica timeout (2 s) replica 1 takes the judgement, past the grace (2 s) it raises, once.
        await Eventually.HoldsAsync(() => Scalar<long>(database, DisconnectedCount) == 1, "one disconnected alert in PostgreSQL", timeoutSeconds: 30);
        var told = await Drain(watchB, TimeSpan.FromSeconds(4)); // several scans later: still one
        _output.WriteLine($"told on replica 1: {string.Join(", ", told.Select(a => $"{a.Kind}#{a.Id} {a.Worker} step {a.Step} tag '{a.Tag}'"))}");
        Assert.Equal(1L, Scalar<long>(database, DisconnectedCount));
        var disconnected = Assert.Single(told, a => a.Kind == "disconnected");
        Assert.Equal("w0", disconnected.Worker);
        Assert.Equal(Run, disconnected.Run);
        await stream.DisposeAsync();
    }

    [PostgresFact]
    public async Task Liveness_TheJudgingReplicaDiesWithinTheGraceToo_AnotherJudgesAndDisconnectedIsRaisedOnce()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database, "--TbBridge:DisconnectGrace=00:00:08");
        using var toA = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(0));
        var stream = await EndToEndSetup.OpenAckedAsync(toA, Project, Run, "w0", "judged-twice");
        pair.Kill(0);

        // Replica 1 takes the judgement, then dies before its 8 s grace ends; replica 0, started again (a new replica),
        // takes it from the dead judge and raises it.
        await Eventually.HoldsAsync(() => Scalar<long>(database, "SELECT COUNT(*) FROM streams WHERE judge IS NOT NULL") == 1, "replica 1 took the judgement", timeoutSeconds: 30);
        pair.Kill(1);
        Assert.Equal(0L, Scalar<long>(database, DisconnectedCount));
        await pair.StartAsync(0);
        using var watch = Watch(pair.AddressOf(0), Project);
        await Eventually.HoldsAsync(() => Scalar<long>(database, DisconnectedCount) == 1, "one disconnected alert in PostgreSQL", timeoutSeconds: 60);
        var told = await Drain(watch, TimeSpan.FromSeconds(4));
        Assert.Equal(1L, Scalar<long>(database, DisconnectedCount));
        Assert.Single(told, a => a.Kind == "disconnected");
        await stream.DisposeAsync();
    }

    [PostgresFact]
    public async Task Liveness_ReplicaKilledAndTheWorkerResumesOnTheOther_NotDisconnected()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database, "--TbBridge:DisconnectGrace=00:00:04");
        var onA = await OpenThroughAsync(pair.Channel, Project, Run, "w0", "resumes");
        await onA.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await onA.WaitAckAsync(1));
        pair.Kill(0);
        pair.Route = 1;
        await onA.DisposeAsync();

        // Refused (ABORTED) until replica 0's heartbeat is 2 s old, then taken: well within the 4 s grace.
        await using var onB = await OpenThroughAsync(pair.Channel, Project, Run, "w0", "resumes");
        Assert.Equal(1UL, onB.Opened.LastSequence);
        await onB.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await onB.WaitAckAsync(2));

        // Past the replica timeout and the grace, several scans: nobody judged the moved stream disconnected.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(0L, Scalar<long>(database, DisconnectedCount));
        await onB.SendAsync(Batches.Numbered(3, 100));
        Assert.True(await onB.WaitAckAsync(3));
        await onB.CompleteAsync();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), IndependentEvents.Scalars(_data.Path, Project, Run).Select(s => s.Step).Order());
    }

    [PostgresFact]
    public async Task Stop_ReplicaStoppedOnPurposeHoldingAStream_ReleasesItAndLeavesTheReplicasTable_NoDisconnected()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database, "--TbBridge:DisconnectGrace=00:00:02");
        using var toA = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(0));
        var stream = await EndToEndSetup.OpenAckedAsync(toA, Project, Run, "w0", "stopped-on-purpose");

        Assert.True(pair.Terminate(0), "replica 0 did not stop on SIGTERM");
        Assert.Equal(1L, Scalar<long>(database, "SELECT COUNT(*) FROM replicas"));
        Assert.Equal(0L, Scalar<long>(database, "SELECT COUNT(*) FROM streams WHERE connected"));

        // Not a death: nobody judges its streams (the worker would resume; here it does not, and that is no alert).
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal(0L, Scalar<long>(database, DisconnectedCount));
        await stream.DisposeAsync();
    }

    [PostgresFact]
    public async Task Open_WorkerLiveOnOneReplica_ItsSecondStreamIdOnTheOtherIsAbortedUntilTheFirstEnds()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        using var a = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(0));
        using var b = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(1));
        await using var first = await EndToEndSetup.OpenAckedAsync(a, Project, Run, "w0", "first");

        var refused = await Assert.ThrowsAsync<RpcException>(() => IngestStream.OpenAsync(b, Project, Run, "w0", "second", retryBusy: false));
        Assert.Equal(StatusCode.Aborted, refused.StatusCode);
        Assert.Contains("first", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1L, Scalar<long>(database, "SELECT COUNT(*) FROM streams WHERE worker = 'w0'")); // nothing of 'second' recorded

        // Another worker of the run is not held up; and once the first stream ends cleanly, the second is taken at once.
        await using (var other = await IngestStream.OpenAsync(b, Project, Run, "w1", "other", retryBusy: false))
        {
            await other.CompleteAsync();
        }

        await first.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await first.WaitAckAsync(2));
        await first.CompleteAsync();
        await using var second = await IngestStream.OpenAsync(b, Project, Run, "w0", "second", retryBusy: false);
        await second.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await second.WaitAckAsync(1));
        await second.CompleteAsync();
        Assert.Equal(300, IndependentEvents.Scalars(_data.Path, Project, Run).Count);
    }
}
