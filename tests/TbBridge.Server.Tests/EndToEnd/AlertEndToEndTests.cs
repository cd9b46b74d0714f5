using Grpc.Core;
using TbBridge.Events;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;
using TbBridge.Server.Tests.Internal;

namespace TbBridge.Server.Tests.EndToEnd;

public sealed class AlertEndToEndTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_NanLoss_ArrivesAsNanInfAlertOnWatchAndAsTextInTheRun()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var alerts = new AlertService.AlertServiceClient(server.Channel);
        using var watch = alerts.Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = "nlp" } });

        await using var stream = await IngestStream.OpenAsync(server.Channel, "nlp", "gpt-small", "rank3", "nan-stream");
        await stream.SendAsync(Batches.Scalars(1, ["train/loss"], Enumerable.Range(0, 50).Select(i => (0, (long)i, 5.0 - (i * 0.01), 1000.0 + i))));
        await stream.SendAsync(Batches.Scalars(2, ["train/loss"], [(0, 50L, double.NaN, 1050.0)]));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var alert = watch.ResponseStream.Current;
        Assert.Equal("nan_inf", alert.Kind);
        Assert.Equal(Severity.Critical, alert.Severity);
        Assert.Equal(("nlp", "gpt-small", "rank3", "train/loss", 50L), (alert.Project, alert.Run, alert.Worker, alert.Tag, alert.Step));
        Assert.True(alert.Id > 0);

        Assert.True(await stream.WaitAckAsync(2));
        // The alert text is committed with the batch's stream; one more commit cycle covers it for sure.
        await server.Engine.CommitAsync();
        var texts = EventFiles.ReadAll(_data.Path, "nlp", "gpt-small")
            .SelectMany(e => e.Values.Where(v => v.Kind == ValueKind.Text).Select(v => (e.Step, v)))
            .ToArray();
        var (step, text) = Assert.Single(texts);
        Assert.Equal(50, step);
        Assert.Equal("tbbridge/alerts", text.Tag);
        Assert.Equal("text", text.PluginName);
        Assert.Contains("nan_inf", text.Text, StringComparison.Ordinal);
        Assert.Contains("train/loss", text.Text, StringComparison.Ordinal);

        // A watcher that starts later gets the already-raised alert first.
        using var late = alerts.Watch(new WatchAlertsRequest { Filter = new AlertFilter { Run = "gpt-small", Kinds = { "nan_inf" } } });
        Assert.True(await late.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(alert.Id, late.ResponseStream.Current.Id);
    }

    [Fact]
    public async Task ListAndRuns_AfterAlertsInTwoRuns_PageThroughAllAndDescribeTheRuns()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        for (int r = 0; r < 3; r++)
        {
            await using var stream = await IngestStream.OpenAsync(server.Channel, "proj", $"run{r}", "w0", $"s{r}");
            await stream.SendAsync(Batches.Scalars(1, ["train/loss", "lr"], [(0, 1, double.PositiveInfinity, 1.0), (1, 1, 0.1, 1.0)]));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.CompleteAsync();
        }

        var client = new AlertService.AlertServiceClient(server.Channel);
        var ids = new List<long>();
        string token = "";
        int pages = 0;
        do
        {
            var page = await client.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "proj" }, PageSize = 2, PageToken = token });
            ids.AddRange(page.Alerts.Select(a => a.Id));
            token = page.NextPageToken;
            pages++;
        }
        while (token != "");

        Assert.Equal(3, ids.Count);
        Assert.Equal(2, pages);
        Assert.Equal(ids.Order(), ids);

        var runs = await client.ListRunsAsync(new ListRunsRequest { Project = "proj" });
        Assert.Equal(["run0", "run1", "run2"], runs.Runs.Select(r => r.Run));
        Assert.All(runs.Runs, r => Assert.Equal((RunState.Idle, 1L, 1L), (r.State, r.AlertCount, r.LastStep)));

        var details = await client.GetRunAsync(new GetRunRequest { Project = "proj", Run = "run1" });
        Assert.Equal(["lr", "train/loss"], details.Tags);
        Assert.Equal(["w0"], details.Workers);
        Assert.Equal(1, details.AlertCounts["critical"]);
        Assert.Equal(2, details.Points);

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.GetRunAsync(new GetRunRequest { Project = "proj", Run = "nope" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await client.ListAsync(new ListAlertsRequest { PageToken = "x" }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    [Fact]
    public async Task Alerts_AfterRestart_AreStillListedAndRunsKnown()
    {
        long id;
        await using (var server = await InProcessServer.StartAsync(_data.Path))
        {
            await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "s");
            await stream.SendAsync(Batches.Scalars(1, ["train/loss"], [(0, 3, double.NaN, 1.0)]));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.CompleteAsync();
            id = (await new AlertService.AlertServiceClient(server.Channel).ListAsync(new ListAlertsRequest())).Alerts.Single().Id;
        }

        await using var restarted = await InProcessServer.StartAsync(_data.Path);
        var client = new AlertService.AlertServiceClient(restarted.Channel);
        Assert.Equal(id, (await client.ListAsync(new ListAlertsRequest())).Alerts.Single().Id);
        var run = Assert.Single((await client.ListRunsAsync(new ListRunsRequest())).Runs);
        Assert.Equal(("p", "r", 1L), (run.Project, run.Run, run.AlertCount));
    }

    [Fact]
    public async Task WatchAndList_NanLoss_CarryTheEnginesHintEvidenceTagsAndSubject()
    {
        (int Tag, long Step, double Value, double WallTime)[] points =
            [.. Enumerable.Range(0, 50).Select(i => (0, (long)i, 5.0 - (i * 0.01), 1000.0 + i)), (0, 50L, double.NaN, 1050.0)];
        var engine = new TbBridge.Analysis.RunAnalyzer("expected");
        foreach (var p in points)
        {
            engine.ObserveScalar("train/loss", p.Step, p.WallTime, p.Value);
        }

        var expected = Assert.Single(engine.Alerts, a => a.Kind == "nan_inf");
        Assert.NotEmpty(expected.Hint);
        Assert.NotEmpty(expected.Evidence);

        await using var server = await InProcessServer.StartAsync(_data.Path);
        var client = new AlertService.AlertServiceClient(server.Channel);
        using var watch = client.Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = "nlp" } });
        await using var stream = await IngestStream.OpenAsync(server.Channel, "nlp", "gpt-small", "rank3", "nan-stream");
        await stream.SendAsync(Batches.Scalars(1, ["train/loss"], points));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var watched = watch.ResponseStream.Current;
        var listed = Assert.Single((await client.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "nlp" } })).Alerts);
        foreach (var alert in new[] { watched, listed })
        {
            Assert.Equal("nan_inf", alert.Kind);
            Assert.Equal(expected.Hint, alert.Hint);
            Assert.Equal(expected.Subject, alert.Subject);
            Assert.Equal(expected.Tags, alert.Tags);
            Assert.Equal(expected.Evidence.ToArray(), alert.Evidence.ToArray());
        }

        // The run's text entry reads as markdown with the evidence and the hint.
        await stream.CompleteAsync();
        var text = Assert.Single(EventFiles.ReadAll(_data.Path, "nlp", "gpt-small").SelectMany(e => e.Values), v => v.Kind == ValueKind.Text).Text;
        Assert.StartsWith("**critical** `nan_inf` on `train/loss` at step 50 (worker `rank3`): " + expected.Message, text, StringComparison.Ordinal);
        Assert.Contains("\n\n**Evidence**\n\n- `is_nan`: 1\n- `is_inf`: 0", text, StringComparison.Ordinal);
        Assert.Contains("\n\n**Hint**: " + expected.Hint + "\n\n---\n\n**Alerts of this run so far** (1, newest first):\n\n1. **critical** `nan_inf` on `train/loss` at step 50: ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DatabaseFromBeforeHintsAndEvidence_OpensAndListsItsAlerts()
    {
        AlertStoreTests.CreateFirstSchemaDatabase(Path.Combine(_data.Path, "tbbridge.db"));

        await using var server = await InProcessServer.StartAsync(_data.Path);
        var client = new AlertService.AlertServiceClient(server.Channel);
        var old = Assert.Single((await client.ListAsync(new ListAlertsRequest())).Alerts);
        Assert.Equal((7L, "divergence", Severity.Critical, "train/loss"), (old.Id, old.Kind, old.Severity, old.Tag));
        Assert.Equal(["train/loss"], old.Tags);
        Assert.Equal("", old.Hint);
        Assert.Empty(old.Evidence);

        // New alerts are numbered after the old ones and stored whole.
        await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "s");
        await stream.SendAsync(Batches.Scalars(1, ["train/loss"], [(0, 3, double.NaN, 1.0)]));
        Assert.True(await stream.WaitAckAsync(1));
        await stream.CompleteAsync(); // the call ends after the batch was analysed: the ack alone may come first
        var alerts = (await client.ListAsync(new ListAlertsRequest())).Alerts;
        Assert.Equal([7L, 8L], alerts.Select(a => a.Id));
        Assert.NotEmpty(alerts[1].Hint);
        Assert.Equal(1, alerts[1].Evidence["is_nan"]);
    }
}
