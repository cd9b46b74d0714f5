using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using TbBridge.Events;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TbBridge.Server.Tests.EndToEnd;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "PostgreSQL replicas";
}

/// <summary>One throw-away PostgreSQL for every replica test (they run one at a time: the restart test stops it).</summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly Lazy<PostgresServer> _server = new(() => new PostgresServer());

    public PostgresServer Server => _server.Value;

    public void Dispose()
    {
        if (_server.IsValueCreated)
        {
            _server.Value.Dispose();
        }
    }
}

/// <summary>
/// Two real service processes on one data directory and one real PostgreSQL, behind a loopback forwarder: any replica
/// takes any stream, one writer per stream (the owner epoch), every point on disk once (read back by the tests' own
/// decoder), and one alert per condition, told to the watchers of both replicas.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaTests : IDisposable
{
    private const string Project = "p";
    private const string Run = "r";
    private readonly PostgresCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _data = new();

    public ReplicaTests(PostgresCluster cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    public void Dispose() => _data.Dispose();

    [PostgresFact]
    public async Task Ingest_OwningReplicaKilledMidStream_EveryPointOnceAndOneNanInfEverywhere()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        const int batches = 400, perBatch = 500, nanBatch = 60; // 200,000 points; the NaN is raised on the replica that dies
        var writer = new ResumingWriter(Project, Run, "w0", "killed", WithNan(batches, perBatch, nanBatch), perBatch);
        using var watchA = ReplicaProbe.Watch(pair.AddressOf(0), Project);
        using var watchB = ReplicaProbe.Watch(pair.AddressOf(1), Project);
        var seenA = new System.Collections.Concurrent.ConcurrentQueue<Alert>();
        var collectingA = Collect(watchA, seenA); // what reached replica 0's watcher before it died

        var killed = new TaskCompletionSource();
        var first = writer.RunOnceAsync(pair.Channel, acked =>
        {
            if (acked >= 150 && !killed.Task.IsCompleted)
            {
                // Replica 0 raised the NaN's alert (batch 60); its own watcher hears of it through the feed like any
                // other replica's. Hold the worker (this runs in its send loop) until it has, then kill.
                SpinWait.SpinUntil(() => seenA.Any(a => a.Kind == "nan_inf"), TimeSpan.FromSeconds(20));
                pair.Kill(0); // SIGKILL with batches sent and not acked
                pair.Route = 1;
                killed.TrySetResult();
            }
        });
        await first;
        Assert.True(killed.Task.IsCompleted, "the replica was not killed mid-stream");
        Assert.False(writer.Done);
        ulong ackedAtKill = writer.Acked;
        for (int attempt = 0; attempt < 20 && !writer.Done; attempt++)
        {
            await writer.RunOnceAsync(pair.Channel);
        }

        Assert.True(writer.Done, string.Join(", ", writer.Failures) + pair[1].Errors);
        _output.WriteLine($"killed after ack {ackedAtKill} of {batches}; failures {string.Join(", ", writer.Failures)}");
        AssertEveryPointOnce(writer);
        Assert.Equal(1, ReplicaProbe.Scalar<long>(database, "SELECT COUNT(*) FROM alerts WHERE kind = 'nan_inf'"));
        AssertNewestAlertTextListsOneNanInf();
        // Replica 0's watcher got it once before the replica died (then its call broke); replica 1's watcher got it once
        // (the replay there found it raised before); a new watcher there gets it once too.
        await collectingA;
        Assert.Equal(1, seenA.Count(a => a.Kind == "nan_inf"));
        Assert.Equal(1, (await ReplicaProbe.Drain(watchB, TimeSpan.FromSeconds(3))).Count(a => a.Kind == "nan_inf"));
        using var late = ReplicaProbe.Watch(pair.AddressOf(1), Project);
        Assert.Equal(1, (await ReplicaProbe.Drain(late, TimeSpan.FromSeconds(3))).Count(a => a.Kind == "nan_inf"));
    }

    [PostgresFact]
    public async Task Ingest_OwningReplicaStoppedWhileTheWorkerMoves_ItAcksNothingMoreAndLeavesNoDoubledOrTornRecord()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        var writer = new ResumingWriter(Project, Run, "w0", "stopped", batches: 300, pointsPerBatch: 250);
        using var watchA = ReplicaProbe.Watch(pair.AddressOf(0), Project);
        using var watchB = ReplicaProbe.Watch(pair.AddressOf(1), Project);
        var stopped = new TaskCompletionSource();
        ulong ackedAtStop = 0;
        var first = writer.RunOnceAsync(pair.Channel, acked =>
        {
            if (acked >= 100 && !stopped.Task.IsCompleted)
            {
                ackedAtStop = acked;
                pair[0].Pause();
                pair.Route = 1;
                pair.Balancer.CutAll(); // the worker's connection is gone; it reconnects through the balancer
                stopped.TrySetResult();
            }
        });
        await first;
        Assert.True(stopped.Task.IsCompleted);

        for (int attempt = 0; attempt < 30 && !writer.Done; attempt++)
        {
            await writer.RunOnceAsync(pair.Channel);
        }

        Assert.True(writer.Done, string.Join(", ", writer.Failures) + pair[1].Errors);
        long epochBefore = ReplicaProbe.Scalar<long>(database, "SELECT owner_epoch FROM streams WHERE stream_id = 'stopped'");

        // The frozen replica runs again: whatever it had written and not acked, its save is refused (its epoch is old),
        // and it cuts its own file back; nothing of the stream's later bytes (the other replica's file) is touched.
        pair[0].Continue();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(epochBefore, ReplicaProbe.Scalar<long>(database, "SELECT owner_epoch FROM streams WHERE stream_id = 'stopped'"));
        Assert.Equal(300L, ReplicaProbe.Scalar<long>(database, "SELECT last_sequence FROM streams WHERE stream_id = 'stopped'"));
        _output.WriteLine($"stopped after ack {ackedAtStop}; failures {string.Join(", ", writer.Failures)}");
        try
        {
            await Eventually.HoldsAsync(() => EveryPointOnce(writer), "every point once after the stopped replica ran again", timeoutSeconds: 15);
        }
        finally
        {
            AssertEveryPointOnce(writer); // says what was lost or doubled
        }
    }

    [PostgresFact]
    public async Task Ingest_TwoClientsFightOverOneStreamIdAcrossReplicas_OneWritesTheOtherIsRefusedBusy()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        using var a = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(0));
        using var b = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(1));
        await using var holder = await IngestStream.OpenAsync(a, Project, Run, "w0", "fought");
        await holder.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await holder.WaitAckAsync(1));

        var refused = await Assert.ThrowsAsync<RpcException>(() => IngestStream.OpenAsync(b, Project, Run, "w0", "fought", retryBusy: false));
        Assert.Equal(StatusCode.Aborted, refused.StatusCode);

        // The holder goes on and ends cleanly; then the other replica takes the stream at once and continues it.
        await holder.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await holder.WaitAckAsync(2));
        await holder.CompleteAsync();
        await using (var taker = await IngestStream.OpenAsync(b, Project, Run, "w0", "fought"))
        {
            Assert.Equal(2UL, taker.Opened.LastSequence);
            await taker.SendAsync(Batches.Numbered(3, 100));
            Assert.True(await taker.WaitAckAsync(3));
            await taker.CompleteAsync();
        }

        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), IndependentEvents.Scalars(_data.Path, Project, Run).Select(s => s.Step).Order());
    }

    [PostgresFact]
    public async Task Ingest_PostgresRestartsMidStream_StreamsResumeWithEveryPointOnce()
    {
        if (!_cluster.Server.OwnsCluster)
        {
            return; // an external server ($TBBRIDGE_TEST_POSTGRES) is not this test's to restart
        }

        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database);
        var writer = new ResumingWriter(Project, Run, "w0", "pg-restart", batches: 300, pointsPerBatch: 250);
        var restarted = new TaskCompletionSource();
        Task restart = Task.CompletedTask;
        var first = writer.RunOnceAsync(pair.Channel, acked =>
        {
            if (acked >= 80 && !restarted.Task.IsCompleted)
            {
                restarted.TrySetResult();
                restart = Task.Run(() =>
                {
                    _cluster.Server.Stop();
                    Thread.Sleep(1000);
                    _cluster.Server.Start();
                });
            }
        });
        await first;
        for (int attempt = 0; attempt < 60 && !writer.Done; attempt++)
        {
            await writer.RunOnceAsync(pair.Channel);
            if (!writer.Done)
            {
                await Task.Delay(500);
            }
        }

        // The restart runs beside the writer, which may finish first: the next test needs the server back up.
        await restart;
        Assert.True(restarted.Task.IsCompleted);
        Assert.True(writer.Done, string.Join(", ", writer.Failures) + pair[0].Errors);
        _output.WriteLine($"failures across the restart: {string.Join(", ", writer.Failures)}");
        AssertEveryPointOnce(writer);
    }

    [PostgresFact]
    public async Task Start_TwoReplicasAtOnceOnAnEmptyDatabase_MigrationsRunOnceAndBothServe()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database); // started together: their migrations race
        Assert.Equal((long)TbBridge.Server.Internal.Storage.Postgres.PostgresMigrations.All.Count, ReplicaProbe.Scalar<long>(database, "SELECT COUNT(*) FROM tbbridge_migrations"));
        Assert.Equal(2L, ReplicaProbe.Scalar<long>(database, "SELECT COUNT(*) FROM replicas"));
        for (int i = 0; i < 2; i++)
        {
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(pair.AddressOf(i));
            await using var stream = await IngestStream.OpenAsync(channel, Project, Run, $"w{i}", $"s{i}");
            await stream.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.CompleteAsync();
        }
    }

    [PostgresFact]
    public async Task Liveness_StreamMovesToTheOtherReplicaWithinTheGrace_NotDisconnected_ThenBrokenForGood_DisconnectedOnce()
    {
        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(_data.Path, database, "--TbBridge:DisconnectGrace=00:00:02");
        await using (var onA = await IngestStream.OpenAsync(pair.Channel, Project, Run, "w0", "moves"))
        {
            await onA.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await onA.WaitAckAsync(1));
            pair.Route = 1;
            pair.Balancer.CutAll(); // broken on replica 0, without a clean close
        }

        IngestStream? onB = null;
        for (int attempt = 0; onB is null; attempt++)
        {
            try
            {
                onB = await IngestStream.OpenAsync(pair.Channel, Project, Run, "w0", "moves");
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && attempt < 10)
            {
                await Task.Delay(200); // the channel's cut connection: reconnect, as every client does
            }
        }

        await onB.SendAsync(Batches.Numbered(2, 10));
        Assert.True(await onB.WaitAckAsync(2));

        // Replica 0 saw the stream break; past its grace it asks the shared state, finds the stream taken, and stays quiet.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(0L, ReplicaProbe.Scalar<long>(database, "SELECT COUNT(*) FROM alerts WHERE kind = 'disconnected'"));

        // Now it breaks on replica 1 and never comes back: disconnected, once.
        pair.Balancer.CutAll();
        await onB.DisposeAsync();
        await Eventually.HoldsAsync(() => ReplicaProbe.Scalar<long>(database, "SELECT COUNT(*) FROM alerts WHERE kind = 'disconnected'") == 1, "one disconnected alert", timeoutSeconds: 20);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1L, ReplicaProbe.Scalar<long>(database, "SELECT COUNT(*) FROM alerts WHERE kind = 'disconnected'"));
    }

    [PostgresFact]
    public async Task Webhook_ClaimingReplicaKilledWhileItsEndpointHangs_TheOtherTakesTheDeliveryOverAndTheReceiverGetsTheAlert()
    {
        // The receiver: the first POST (the claiming replica's) hangs until the test ends; later ones are answered.
        var posts = new System.Collections.Concurrent.ConcurrentQueue<(long Id, string? Key, bool Answered)>();
        int calls = 0;
        using var release = new CancellationTokenSource();
        var hooks = WebApplication.CreateBuilder();
        hooks.Logging.ClearProviders();
        hooks.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = hooks.Build();
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            using var body = await System.Text.Json.JsonDocument.ParseAsync(request.Body);
            long id = body.RootElement.GetProperty("id").GetInt64();
            string? key = request.Headers[WebhookEndpoint.IdempotencyHeader].FirstOrDefault();
            bool hang = Interlocked.Increment(ref calls) == 1;
            posts.Enqueue((id, key, !hang));
            if (hang)
            {
                await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { });
            }

            return Results.Ok();
        });
        await receiver.StartAsync();

        string database = _cluster.Server.CreateDatabase();
        await using var pair = await ReplicaPair.StartAsync(
            _data.Path, database, $"--TbBridge:Webhooks:0:Url={receiver.Urls.First()}/hook", "--TbBridge:Webhooks:0:Timeout=00:05:00");
        await using (var stream = await IngestStream.OpenAsync(pair.Channel, Project, Run, "w0", "hooked"))
        {
            await stream.SendAsync(Batches.Scalars(1, ["train/loss"], [(0, 10L, 1.0, 1.0), (0, 11L, double.NaN, 1.0)]));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.CompleteAsync();
        }

        await Eventually.HoldsAsync(() => !posts.IsEmpty, "the claiming replica posts the alert (and hangs)", timeoutSeconds: 60);
        long alertId = ReplicaProbe.Scalar<long>(database, "SELECT id FROM alerts WHERE kind = 'nan_inf'");
        string claimer = ReplicaProbe.Scalar<string>(database, "SELECT claimed_by FROM webhook_deliveries");
        int claiming = claimer.Split('/')[1] == pair[0].ProcessId.ToString(CultureInfo.InvariantCulture) ? 0 : 1;
        Assert.Equal(pair[claiming].ProcessId.ToString(CultureInfo.InvariantCulture), claimer.Split('/')[1]);
        pair.Kill(claiming); // SIGKILL mid-delivery: the claim stays, unfinished

        await Eventually.HoldsAsync(() => posts.Any(p => p.Answered), "the other replica delivers the alert", timeoutSeconds: 60);
        await Eventually.HoldsAsync(() => ReplicaProbe.Scalar<bool>(database, "SELECT delivered IS TRUE FROM webhook_deliveries"), "the delivery is recorded", timeoutSeconds: 30);
        _output.WriteLine($"posts: {string.Join(", ", posts)}; claimed by {claimer}, then by {ReplicaProbe.Scalar<string>(database, "SELECT claimed_by FROM webhook_deliveries")}");
        Assert.All(posts, p => Assert.Equal((alertId, alertId.ToString(CultureInfo.InvariantCulture)), (p.Id, p.Key))); // copies only under one key
        Assert.Single(posts, p => p.Answered); // delivered once
        Assert.Equal(1L, ReplicaProbe.Scalar<long>(database, "SELECT COUNT(*) FROM webhook_deliveries"));
        Assert.NotEqual(claimer, ReplicaProbe.Scalar<string>(database, "SELECT claimed_by FROM webhook_deliveries"));
        await release.CancelAsync();
    }

    private static List<PointBatch> WithNan(int batches, int perBatch, int nanBatch)
    {
        // Tag 3 is a training loss, so a non-finite value of it is a breakdown (nan_inf); point 7 of a batch is of tag 3.
        var list = Enumerable.Range(1, batches).Select(seq => Batches.Numbered((ulong)seq, perBatch)).ToList();
        list.ForEach(b => b.Tags[3] = "train/loss");
        list[nanBatch - 1].Scalars.Value[7] = double.NaN;
        return list;
    }

    private static async Task Collect(AsyncServerStreamingCall<Alert> watch, System.Collections.Concurrent.ConcurrentQueue<Alert> into)
    {
        try
        {
            while (await watch.ResponseStream.MoveNext(CancellationToken.None))
            {
                into.Enqueue(watch.ResponseStream.Current);
            }
        }
        catch (RpcException)
        {
            // the replica died
        }
    }

    private bool EveryPointOnce(ResumingWriter writer)
    {
        try
        {
            return IndependentEvents.Scalars(_data.Path, Project, Run).Select(s => s.Step).Order().SequenceEqual(writer.AllSteps());
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private void AssertEveryPointOnce(ResumingWriter writer)
    {
        var steps = IndependentEvents.Scalars(_data.Path, Project, Run).Select(s => s.Step).ToArray();
        var counts = steps.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        int lost = writer.AllSteps().Count(s => !counts.ContainsKey(s));
        int doubled = counts.Values.Sum(c => c - 1);
        _output.WriteLine($"points on disk {steps.Length}: lost {lost}, doubled {doubled}; files: {string.Join(", ", Directory.EnumerateFiles(_data.Path, "*tfevents*", SearchOption.AllDirectories).Select(Path.GetFileName))}");
        var lostSteps = writer.AllSteps().Where(s => !counts.ContainsKey(s)).ToList();
        _output.WriteLine($"lost steps: {string.Join(", ", lostSteps.Where((s, i) => i == 0 || lostSteps[i - 1] != s - 1).Select(s => $"{s}.."))}");
        Assert.True(lost == 0 && doubled == 0, $"lost {lost}, doubled {doubled}");
    }

    private void AssertNewestAlertTextListsOneNanInf()
    {
        var texts = EventFiles.ReadAll(_data.Path, Project, Run)
            .SelectMany(e => e.Values.Where(v => v.Kind == ValueKind.Text && v.Tag == IndependentEvents.ServiceTag).Select(v => (e.WallTime, v.Text)))
            .ToArray();
        Assert.NotEmpty(texts);
        string newest = texts.MaxBy(t => t.WallTime).Text ?? "";
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(newest, "nan_inf"));
    }
}
