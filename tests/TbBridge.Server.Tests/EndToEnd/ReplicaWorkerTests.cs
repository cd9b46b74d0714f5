using System.Globalization;
using System.Text.Json;
using TbBridge.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The two other clients (<c>tbbridge upload --follow</c> and samples/python-worker) against two real replicas
/// behind one address: the replica a worker streams to is killed (SIGKILL) mid-stream, the balancer sends new
/// connections to the other, and the worker resumes there. What the data directory holds is read back by the tests'
/// own decoder: every point once, none lost, none doubled.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaWorkerTests : IDisposable
{
    private const string Project = "p";
    private readonly PostgresCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _data = new();
    private readonly TempFolder _logs = new();
    private readonly TempFolder _staging = new();
    private readonly TempFolder _generated = new();

    public ReplicaWorkerTests(PostgresCluster cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    public void Dispose()
    {
        _data.Dispose();
        _logs.Dispose();
        _staging.Dispose();
        _generated.Dispose();
    }

    [PostgresFact]
    public async Task Follow_ReplicaKilledMidStream_ResumesOnTheOtherWithEveryPointOnce()
    {
        const int Total = 6000, FirstBurst = 2000, SecondBurst = 4000;
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        var live = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "run"), "train/loss", 0, Total);
        live.AppendUpTo(live.Frames[FirstBurst].End); // frame 0 is the file's header: FirstBurst points
        using var follower = FollowerProcess.Start(_logs.Path, pair.Balancer.Address, Project);
        await WaitAsync(() => Held().Count >= FirstBurst, $"replica 0 holds the first {FirstBurst} points", follower);

        // The job logs more; the replica the follower streams to dies as it arrives, and the job goes on logging.
        live.AppendUpTo(live.Frames[SecondBurst].End);
        await WaitAsync(() => Held().Count > FirstBurst, "the second burst reaches replica 0", follower);
        pair.Kill(0);
        pair.Route = 1;
        int heldAtKill = Held().Count;
        live.AppendUpTo(live.Bytes.Length);

        await WaitAsync(() => Held().Count >= Total, $"the files hold all {Total} points", follower);
        var stopped = await follower.StopAsync();
        _output.WriteLine($"held at the kill {heldAtKill}\n{stopped.Output}\n{stopped.Error}\n{pair.Balancer}");
        Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Error);
        Assert.InRange(heldAtKill, FirstBurst + 1, SecondBurst); // mid-stream: the rest of the file was still to send
        Assert.Contains($"{Total:N0} of {Total:N0} read acknowledged", stopped.Output, StringComparison.Ordinal); // acked
        Assert.Contains("0 of 1 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);
        AssertEachPointOnce(live, Total);
    }

    [PostgresFact]
    public async Task Follow_StoppedWhileTheDeadReplicaStillHoldsItsStream_WaitsForTheOtherAndEndsCleanly()
    {
        const int Total = 3000;
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        var live = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "run"), "train/loss", 0, Total);
        live.AppendUpTo(live.Frames[Total / 2].End);
        using var follower = FollowerProcess.Start(_logs.Path, pair.Balancer.Address, Project);
        await WaitAsync(() => Held().Count >= Total / 2, "replica 0 holds the first half", follower);

        // Replica 0 dies; the job writes the rest and ends, and the follower is stopped at once (SIGTERM), while
        // replica 1 still answers ABORTED (the dead replica's hold lasts its 2 s ReplicaTimeout). The balancer already
        // sends new connections to replica 1.
        pair.Route = 1;
        pair.Kill(0);
        live.AppendUpTo(live.Bytes.Length);
        var stopped = await follower.StopAsync();
        _output.WriteLine($"{stopped.Output}\n{stopped.Error}\n{pair.Balancer}");
        Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Error);
        Assert.Contains("0 of 1 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);
        AssertEachPointOnce(live, Total);
        Assert.Equal(0L, ReplicaProbe.Scalar<long>(database, "SELECT COUNT(*) FROM streams WHERE connected OR broken_at IS NOT NULL")); // closed cleanly
    }

    [PostgresPythonFact]
    public async Task PythonWorker_ReplicaKilledMidStream_ResumesOnTheOtherWithEveryPointOnce()
    {
        const int Steps = 3000;
        var environment = await GenerateAsync();
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        using var worker = PythonWorker.Start("stream_run.py", environment,
            "--server", pair.Balancer.Address, "--project", Project, "--run", "py", "--worker", "rank0",
            "--steps", Steps.ToString(CultureInfo.InvariantCulture), "--histogram-every", "0", "--pace", "0.002", "--batch-points", "64");

        // Mid-stream: batches acked, and batches sent that the replica has not acked yet.
        await Eventually.HoldsAsync(
            () => worker.HasExited || Progress(worker).Any(p => p.Step >= 500 && p.Acked >= 1 && p.Unacked >= 1),
            "the worker is past step 500 with batches acked and batches unacknowledged", timeoutSeconds: 120);
        var atKill = Progress(worker).Last();
        pair.Kill(0);
        pair.Route = 1;
        Assert.False(worker.HasExited, worker.Output + worker.Error);

        int exitCode = await worker.WaitForExitAsync(TimeSpan.FromMinutes(3));
        _output.WriteLine($"killed at step {atKill.Step} (acked {atKill.Acked}, unacked {atKill.Unacked})\n{worker.Output}\n{worker.Error}");
        Assert.True(exitCode == 0, $"exit {exitCode}:\n{worker.Output}\n{worker.Error}");
        Assert.True(atKill.Step < Steps - 200, $"killed at step {atKill.Step}: not mid-stream");
        using var done = JsonDocument.Parse(worker.Lines[^1]);
        Assert.True(done.RootElement.GetProperty("done").GetBoolean());
        Assert.True(done.RootElement.GetProperty("reconnects").GetInt32() >= 1, worker.Output);
        Assert.Equal(Steps * 3, done.RootElement.GetProperty("points").GetInt32()); // logged, and acked (close returned)

        var held = IndependentEvents.Scalars(_data.Path, Project, "py");
        Assert.Equal(Steps * 3, held.Count); // on disk: as many as acked, so none twice
        string[] tags = ["train/accuracy", "train/loss", "train/lr"];
        Assert.Equal(
            tags.SelectMany(t => Enumerable.Range(0, Steps).Select(s => (t, (long)s))).Order(),
            held.Select(p => (p.Tag, p.Step)).Order()); // each once
        Assert.Equal(2, EventFiles.Files(_data.Path, Project, "py").Count); // replica 0's file sealed, replica 1's
    }

    /// <summary>As <see cref="Eventually"/>, with what the follower said in the failure's message.</summary>
    private static async Task WaitAsync(Func<bool> condition, string what, FollowerProcess follower)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}. Follower:\n{follower.Output}\n{follower.Error}");
            await Task.Delay(50);
        }
    }

    private void AssertEachPointOnce(GrowingEventFile live, int total)
    {
        var held = Held();
        Assert.Equal(total, held.Count); // on disk: as many as were logged and acked, so none twice
        Assert.Equal(live.Points.Select(p => (p.Step, p.Value)), held.OrderBy(p => p.Step).Select(p => (p.Step, p.Value))); // each once
        Assert.Equal(2, EventFiles.Files(_data.Path, Project, "run").Count); // replica 0's file sealed, replica 1's
    }

    private IReadOnlyList<(string Tag, long Step, float Value)> Held() => IndependentEvents.Scalars(_data.Path, Project, "run");

    private async Task<Dictionary<string, string>> GenerateAsync()
    {
        var environment = new Dictionary<string, string> { ["TBBRIDGE_PY_GENERATED"] = _generated.Path };
        var generated = await PythonWorker.RunAsync("generate.py", environment);
        Assert.True(generated.ExitCode == 0, generated.Output);
        return environment;
    }

    private static IEnumerable<(int Step, long Acked, long Unacked)> Progress(PythonProcess worker) =>
        worker.Lines.Where(l => l.StartsWith("{\"step\"", StringComparison.Ordinal)).Select(l =>
        {
            using var line = JsonDocument.Parse(l);
            var p = line.RootElement;
            return (p.GetProperty("step").GetInt32(), p.GetProperty("acked_sequence").GetInt64(), p.GetProperty("unacked_batches").GetInt64());
        });
}
