using Grpc.Net.Client;
using Microsoft.Data.Sqlite;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// An alert that waits for a failing store when the process dies: the service in its own process, its alerts table
/// made to refuse every insert (a trigger, a real SQLite error) while the stream state goes on being saved, killed
/// with SIGKILL, restarted with the store healthy. The worker's reconnect replays its files, which raise the alert
/// again: it is stored once, its text entry is in the run once, and a watcher gets it once.
/// </summary>
public sealed class AlertRecoveryTests : IDisposable
{
    private const string Headline = "**critical** `nan_inf` on `train/loss` at step 20 (worker `rank0`)";
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    private string DatabasePath => Path.Combine(_data.Path, "tbbridge.db");

    /// <param name="runGoesOn">
    /// True: the next batch's commit makes the alert's text entry durable before the kill (it follows the NaN's batch in
    /// the file), and the replay finds it. False: the kill comes right after the NaN's ack, and the entry is on disk or
    /// not, whichever the commit cycles did; either way there is one after the restart.
    /// </param>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Restart_AfterAKillWithANanAlertWaitingForAFailingStore_StoresItOnceWritesItOnceWatchesItOnce(bool runGoesOn)
    {
        int port = ChildProcessServer.FreePort();
        long announced;
        using (var first = await ChildProcessServer.StartAsync(_data.Path, port))
        {
            Execute("CREATE TRIGGER refuse_alerts BEFORE INSERT ON alerts BEGIN SELECT RAISE(ABORT, 'the alert store fails'); END");
            using var channel = GrpcChannel.ForAddress(first.Address);
            using var watch = new AlertService.AlertServiceClient(channel).Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = "p" } });
            await using var stream = await IngestStream.OpenAsync(channel, "p", "r", "rank0", "s1");
            await stream.SendAsync(Batches.Scalars(1, ["train/loss"], Enumerable.Range(0, 21).Select(i => (0, (long)i, i < 20 ? 5.0 - (i * 0.01) : double.NaN, 1000.0 + i))));
            Assert.True(await stream.WaitAckAsync(1));

            // Announced to a watcher, and not stored: the process dies with it waiting.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
            announced = watch.ResponseStream.Current.Id;
            Assert.Equal(("nan_inf", "train/loss", 20L), (watch.ResponseStream.Current.Kind, watch.ResponseStream.Current.Tag, watch.ResponseStream.Current.Step));
            if (runGoesOn)
            {
                await stream.SendAsync(Batches.Scalars(2, ["train/loss"], [(0, 21L, 4.5, 1021.0)]));
                Assert.True(await stream.WaitAckAsync(2));
                Assert.Equal(1, HeadlineEntries());
            }

            Assert.Equal(0L, CountStored());
            first.Kill();
        }

        Execute("DROP TRIGGER refuse_alerts");
        using (var restarted = await ChildProcessServer.StartAsync(_data.Path, port))
        {
            using var channel = GrpcChannel.ForAddress(restarted.Address);
            var alerts = new AlertService.AlertServiceClient(channel);
            await using (var stream = await IngestStream.OpenAsync(channel, "p", "r", "rank0", "s1"))
            {
                ulong acked = runGoesOn ? 2UL : 1UL;
                Assert.Equal(acked, stream.Opened.LastSequence);
                await stream.SendAsync(Batches.Scalars(acked + 1, ["train/loss"], [(0, 22L, 4.0, 1022.0)]));
                Assert.True(await stream.WaitAckAsync(acked + 1));
                await stream.CompleteAsync();
            }

            await Eventually.HoldsAsync(async () => (await alerts.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p" } })).Alerts.Count > 0, "the replay's alert stored");

            // Another worker's NaN after it: a watcher reads its history up to that one, so everything raised for rank0 came before.
            await using (var other = await IngestStream.OpenAsync(channel, "p", "r", "rank1", "s2"))
            {
                await other.SendAsync(Batches.Scalars(1, ["train/loss"], [(0, 0L, 5.0, 1000.0), (0, 1L, double.NaN, 1001.0)]));
                Assert.True(await other.WaitAckAsync(1));
                await other.CompleteAsync();
            }

            using var watch = alerts.Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = "p" } });
            var watched = new List<TbBridge.Protocol.V1.Alert>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!watched.Any(a => a.Worker == "rank1") && await watch.ResponseStream.MoveNext(timeout.Token))
            {
                watched.Add(watch.ResponseStream.Current);
            }

            var trainNan = Assert.Single(watched, a => a.Worker == "rank0");
            Assert.Equal(("nan_inf", "train/loss"), (trainNan.Kind, trainNan.Tag));
            Assert.Equal(20L, trainNan.Step);
            Assert.True(trainNan.Id > announced, "a new id: the one announced before the crash is never given to another alert");
            var listed = await alerts.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p" } });
            Assert.Equal(trainNan.Id, Assert.Single(listed.Alerts, a => a.Worker == "rank0").Id);
            Assert.True(restarted.Terminate());
        }

        Assert.Equal(1L, CountStored());
        Assert.Equal(1, HeadlineEntries());
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long CountStored()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM alerts WHERE worker = 'rank0' AND kind = 'nan_inf' AND tag = 'train/loss' AND step = 20";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The run's <c>tbbridge/alerts</c> entries written for the train/loss alert (its headline first), read with the tests' own decoder.</summary>
    private int HeadlineEntries() => Directory
        .EnumerateFiles(EventFiles.RunDirectory(_data.Path, "p", "r"), "*tfevents*", SearchOption.AllDirectories)
        .Where(file => file.Contains($"{Path.DirectorySeparatorChar}rank0{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .SelectMany(file => IndependentEvents.Records(File.ReadAllBytes(file)))
        .SelectMany(evt => evt.Summary?.Value.Where(v => v.Tag == IndependentEvents.ServiceTag) ?? [])
        .Count(v => v.Tensor.StringVal[0].ToStringUtf8().StartsWith(Headline, StringComparison.Ordinal));
}
