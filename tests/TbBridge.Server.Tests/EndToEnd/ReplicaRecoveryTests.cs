using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using TbBridge.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using static TbBridge.Server.Tests.Infrastructure.ReplicaProbe;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// What replicas leave behind when something fails, on two real service processes and one real PostgreSQL: a session
/// that failed on one replica does not hold its stream from the other, and a replica killed holding a stream leaves
/// no row in <c>replicas</c> once that stream was judged; a PostgreSQL older than the files (restored from a backup)
/// cuts nothing the files' commit markers prove, and nothing is sent twice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaRecoveryTests : IDisposable
{
    private const string Project = "p";
    private const string Run = "r";
    private const string DisconnectedCount = "SELECT COUNT(*) FROM alerts WHERE kind = 'disconnected'";
    private readonly PostgresCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _data = new();

    public ReplicaRecoveryTests(PostgresCluster cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    public void Dispose() => _data.Dispose();

    [PostgresSmallFileSystemFact]
    public async Task Ingest_SessionFailedOnAReplicaThatLives_TheOtherTakesTheStreamAndEveryPointIsOnDiskOnce()
    {
        using var disk = SmallFileSystem.Mount(4 * 1024 * 1024);
        string data = Directory.CreateDirectory(Path.Combine(disk.Path, "data")).FullName;
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(data, database);

        // The disk fills up under replica 0: its session fails (RESOURCE_EXHAUSTED) and replica 0 lives on.
        string filler = Path.Combine(disk.Path, "filler");
        long free = new DriveInfo(disk.Path).AvailableFreeSpace;
        await File.WriteAllBytesAsync(filler, new byte[Math.Max(0, free - (300 * 1024))]);
        var writer = new ResumingWriter(Project, Run, "w0", "failed-session", batches: 60, pointsPerBatch: 500);
        await writer.RunOnceAsync(pair.Channel);
        Assert.Equal(StatusCode.ResourceExhausted, Assert.Single(writer.Failures));
        ulong ackedOnA = writer.Acked;
        Assert.True(ackedOnA < 60, $"acked on replica 0: {ackedOnA}");

        // Room again; the worker's next connection goes to replica 1, while replica 0 still beats.
        File.Delete(filler);
        pair.Route = 1;
        using var toB = GrpcChannel.ForAddress(pair.Balancer.Address);
        for (int attempt = 0; attempt < 3 && !writer.Done; attempt++)
        {
            await writer.RunOnceAsync(toB);
        }

        _output.WriteLine($"acked on replica 0: {ackedOnA}; failures: {string.Join(", ", writer.Failures)}");
        Assert.True(writer.Done, $"not taken by replica 1 while replica 0 lives: {string.Join(", ", writer.Failures)}");
        Assert.Equal(60UL, writer.Acked);
        var steps = IndependentEvents.Scalars(data, Project, Run).Select(s => s.Step).ToArray();
        Assert.Equal(steps.Length, steps.Distinct().Count()); // nothing twice
        Assert.Equal(writer.AllSteps(), steps.Order()); // nothing lost: the acked and the rest, once
        Assert.Equal(ackedOnA > 0 ? 2 : 1, EventFiles.Files(data, Project, Run).Count(f => new FileInfo(f).Length > 0));
    }

    [PostgresFact]
    public async Task Replicas_ReplicaKilledHoldingAStream_ItsRowIsDeletedOnceTheStreamWasJudgedAndDisconnectedIsRaisedOnce()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database, "--TbBridge:DisconnectGrace=00:00:03", "--TbBridge:ReplicaPruneAfter=00:00:04");
        using var toA = GrpcChannel.ForAddress(pair.AddressOf(0));
        var stream = await IngestStream.OpenAsync(toA, Project, Run, "w0", "orphaned");
        await stream.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await stream.WaitAckAsync(1));
        Assert.Equal(2L, Scalar<long>(database, "SELECT COUNT(*) FROM replicas"));
        pair.Kill(0); // SIGKILL: its row stays, its heartbeat stops

        // Replica 1 judges the stream (after 2 s, raising after the 3 s grace) and deletes the dead row (4 s old, judged).
        await Eventually.HoldsAsync(() => Scalar<long>(database, "SELECT COUNT(*) FROM replicas") == 1, "the killed replica's row deleted", timeoutSeconds: 60);
        await Eventually.HoldsAsync(() => Scalar<long>(database, DisconnectedCount) == 1, "one disconnected alert", timeoutSeconds: 30);
        Assert.Equal(1L, Scalar<long>(database, "SELECT COUNT(*) FROM replicas WHERE heartbeat_at > now() - interval '1 minute'")); // the live one stays

        // Nothing is judged again without the dead row, and the stream is free: the worker resumes on replica 1.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1L, Scalar<long>(database, DisconnectedCount));
        await stream.DisposeAsync();
        using var toB = GrpcChannel.ForAddress(pair.AddressOf(1));
        await using var resumed = await IngestStream.OpenAsync(toB, Project, Run, "w0", "orphaned", retryBusy: false);
        Assert.Equal(1UL, resumed.Opened.LastSequence);
        await resumed.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await resumed.WaitAckAsync(2));
        await resumed.CompleteAsync();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), IndependentEvents.Scalars(_data.Path, Project, Run).Select(s => s.Step).Order());
    }

    [PostgresFact]
    public async Task Replicas_ReplicaFrozenPastPruning_ItsRowIsDeletedAndItsHeartbeatPutsItBackWhenItWakes()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database, "--TbBridge:ReplicaPruneAfter=00:00:04");
        Assert.Equal(2L, Scalar<long>(database, "SELECT COUNT(*) FROM replicas"));
        pair[0].Pause(); // SIGSTOP: no heartbeat, no streams to judge, so replica 1 prunes its row after 4 s

        try
        {
            await Eventually.HoldsAsync(() => Scalar<long>(database, "SELECT COUNT(*) FROM replicas") == 1, "the frozen replica's row pruned", timeoutSeconds: 60);
        }
        finally
        {
            pair[0].Continue();
        }

        // Awake, it beats again: without its row it would beat into nothing while it reports ready, and the streams it
        // took from then on could never be judged if it died.
        await Eventually.HoldsAsync(() => Scalar<long>(database, "SELECT COUNT(*) FROM replicas") == 2, "the woken replica's row back", timeoutSeconds: 30);
        Assert.Equal(2L, Scalar<long>(database, "SELECT COUNT(*) FROM replicas WHERE heartbeat_at > now() - interval '1 minute'"));
    }

    [PostgresFact]
    public async Task Open_PostgresOlderThanTheFiles_NothingTheMarkersProveIsCutAndNothingIsSentTwice()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        using var toA = GrpcChannel.ForAddress(pair.AddressOf(0));
        using var toB = GrpcChannel.ForAddress(pair.AddressOf(1));

        // On the replica that wrote the file: acked 3, backup, acked 6, the older rows restored, resumed there.
        await SendAsync(database, toA, 1, 3, backupAfter: true);
        await SendAsync(database, toA, 4, 6);
        Restore(database);
        Assert.Equal(3L, Scalar<long>(database, "SELECT last_sequence FROM streams"));
        await SendAsync(database, toA, 7, 7, expectOpenedAt: 6);

        // Taken by the other replica: acked 8, backup, acked 10, restored, resumed on replica 1.
        await SendAsync(database, toA, 8, 8, backupAfter: true);
        await SendAsync(database, toA, 9, 10);
        Restore(database);
        Assert.Equal(8L, Scalar<long>(database, "SELECT last_sequence FROM streams"));
        await SendAsync(database, toB, 11, 11, expectOpenedAt: 10);

        var steps = IndependentEvents.Scalars(_data.Path, Project, Run).Select(s => s.Step).ToArray();
        Assert.Equal(steps.Length, steps.Distinct().Count()); // nothing twice
        Assert.Equal(Enumerable.Range(0, 1100).Select(i => (long)i), steps.Order()); // nothing cut: 11 acked batches of 100
        Assert.Equal(2, EventFiles.Files(_data.Path, Project, Run).Count); // replica 0's file, sealed at its last marker, and replica 1's
        Assert.Equal(11L, Scalar<long>(database, "SELECT last_sequence FROM streams"));
    }

    /// <summary>Opens the stream, sends batches <paramref name="from"/>..<paramref name="to"/>, waits for their acks, ends it cleanly.</summary>
    private static async Task SendAsync(string database, GrpcChannel channel, ulong from, ulong to, bool backupAfter = false, ulong? expectOpenedAt = null)
    {
        await using var stream = await IngestStream.OpenAsync(channel, Project, Run, "w0", "restored");
        Assert.Equal(expectOpenedAt ?? from - 1, stream.Opened.LastSequence); // what the files prove, not what an older database says
        for (ulong seq = from; seq <= to; seq++)
        {
            await stream.SendAsync(Batches.Numbered(seq, 100));
        }

        Assert.True(await stream.WaitAckAsync(to));
        await stream.CompleteAsync();
        if (backupAfter)
        {
            // The backup: the streams' rows as they are now (what pg_dump of these two tables would restore).
            Execute(database, "DROP TABLE IF EXISTS backup_streams, backup_segments; CREATE TABLE backup_streams AS SELECT * FROM streams; CREATE TABLE backup_segments AS SELECT * FROM stream_segments");
        }
    }

    private static void Restore(string database) =>
        Execute(database, "DELETE FROM streams; INSERT INTO streams SELECT * FROM backup_streams; DELETE FROM stream_segments; INSERT INTO stream_segments SELECT * FROM backup_segments");

    private static void Execute(string database, string sql)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
