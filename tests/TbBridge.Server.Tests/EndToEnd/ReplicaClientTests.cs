using TbBridge.Remote;
using TbBridge.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>The real .NET client (<see cref="RemoteSink"/>) against two real replicas behind one address.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaClientTests : IDisposable
{
    private const string Project = "p";
    private const string Run = "r";
    private readonly PostgresCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _data = new();
    private readonly TempFolder _spool = new();

    public ReplicaClientTests(PostgresCluster cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    public void Dispose()
    {
        _data.Dispose();
        _spool.Dispose();
    }

    [PostgresFact]
    public async Task RemoteSink_ReplicaKilledMidStream_ResumesOnTheOtherWithEveryPointOnce()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        var sink = RemoteSink.Create(new RemoteSinkOptions
        {
            Server = new Uri(pair.Balancer.Address),
            Project = Project,
            Run = Run,
            Worker = "rank0",
            SpoolDirectory = _spool.Path,
            MaxBatchPoints = 1000,
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
            OpenTimeout = TimeSpan.FromSeconds(10),
            FlushTimeout = TimeSpan.FromSeconds(2),
            DrainTimeout = TimeSpan.FromSeconds(60),
        });
        const int batches = 60, perBatch = 500;
        long ackedAtKill = 0;
        for (int b = 0; b < batches; b++)
        {
            await sink.WriteAsync(Points(b, perBatch), CancellationToken.None);
            if (b == 19)
            {
                await Eventually.HoldsAsync(() => sink.AcknowledgedPoints == 20 * perBatch, "the first 20 batches acked by replica 0", timeoutSeconds: 60);
            }

            if (b == 24)
            {
                ackedAtKill = sink.AcknowledgedPoints;
                pair.Kill(0); // SIGKILL of the replica the worker is on, with batches 20..24 written and not flushed
                pair.Route = 1;
            }
        }

        await sink.DisposeAsync();
        var files = Directory.GetFiles(Path.Combine(_data.Path, Project, Run, "rank0"), "*tfevents*");
        _output.WriteLine($"acked at the kill {ackedAtKill}; files {string.Join(", ", files.Select(Path.GetFileName))}");
        Assert.True(ackedAtKill >= 20 * perBatch && ackedAtKill < batches * perBatch, $"acked at the kill: {ackedAtKill}, at the end {sink.AcknowledgedPoints}");
        Assert.Equal(0, sink.DroppedPoints);
        Assert.Equal(batches * perBatch, sink.AcknowledgedPoints);
        Assert.Equal(2, files.Length); // the dead replica's file, sealed at what it acked, and the other replica's
        var steps = IndependentEvents.Scalars(_data.Path, Project, Run).Select(s => s.Step).ToArray();
        Assert.Equal(steps.Length, steps.Distinct().Count()); // nothing twice
        Assert.Equal(Enumerable.Range(0, batches * perBatch).Select(i => (long)i), steps.Order()); // nothing lost
    }

    private static SummaryPoint[] Points(int batch, int count) =>
        Enumerable.Range(0, count)
            .Select(i => SummaryPoint.CreateScalar("", $"m/{i % 5}", ((long)batch * count) + i, 1_700_000_000 + batch + (i * 1e-3), (batch * count) + i))
            .ToArray();
}
