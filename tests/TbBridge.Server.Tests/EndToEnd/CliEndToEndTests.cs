using System.Globalization;
using System.Text.Json;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using TbBridge.Protocol.V1;
using TbBridge.Remote;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary><c>tbbridge upload</c> and <c>tbbridge alerts</c> as a user runs them, against a real server.</summary>
public sealed class CliEndToEndTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly TempFolder _logs = new();

    public void Dispose()
    {
        _data.Dispose();
        _logs.Dispose();
    }

    [Fact]
    public async Task Upload_TwoRunsTwice_EveryPointOnTheServiceOnceAndAlertsListedAsJson()
    {
        await using (var writer = new SummaryWriter(Path.Combine(_logs.Path, "runA")))
        {
            for (int step = 0; step < 700; step++)
            {
                writer.AddScalar("train/loss", step == 699 ? double.NaN : 3.0 / (1 + step), step);
                writer.AddScalar("lr", 0.1, step);
            }

            writer.AddText("notes", "first run", 0);
            writer.AddHistogram("weights/fc", new double[] { 0.1, 0.2, 0.5, -0.3 }, 5);
        }

        await using (var writer = new SummaryWriter(Path.Combine(_logs.Path, "runB")))
        {
            for (int step = 0; step < 250; step++)
            {
                writer.AddScalar("val/loss", 1.0 / (1 + step), step);
            }
        }

        await using var server = await InProcessServer.StartAsync(_data.Path);
        var first = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "up", "--batch", "128");
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        Assert.Contains("1,652 points uploaded, 0 already there, 0 of 2 files failed", first.Output, StringComparison.Ordinal);

        var again = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "up", "--batch", "500");
        Assert.True(again.ExitCode == 0, again.Output + again.Error);
        Assert.Contains("0 points uploaded, 1,652 already there", again.Output, StringComparison.Ordinal);

        var runA = EventFiles.ReadAll(_data.Path, "up", "runA");
        var lossSteps = runA.SelectMany(e => e.Values.Where(v => v.Tag == "train/loss").Select(_ => e.Step)).ToArray();
        Assert.Equal(Enumerable.Range(0, 700).Select(i => (long)i), lossSteps.Order());
        Assert.True(double.IsNaN(runA.Single(e => e.Step == 699 && e.Values.Any(v => v.Tag == "train/loss")).Values.Single(v => v.Tag == "train/loss").Scalar));
        Assert.Single(runA, e => e.Values.Any(v => v.Tag.StartsWith("notes", StringComparison.Ordinal) && v.Text == "first run")); // PyTorch layout: notes/text_summary
        Assert.Single(runA, e => e.Values.Any(v => v.Tag == "weights/fc" && v.Histogram is not null));
        Assert.Equal(250, EventFiles.Scalars(_data.Path, "up", "runB").Count);

        var alerts = await CliProcess.RunAsync("alerts", "--server", server.Address, "--json");
        Assert.True(alerts.ExitCode == 0, alerts.Output + alerts.Error);
        using var json = JsonDocument.Parse(alerts.Output);
        var nan = Assert.Single(json.RootElement.EnumerateArray(), a => a.GetProperty("kind").GetString() == "nan_inf");
        Assert.Equal("critical", nan.GetProperty("severity").GetString());
        Assert.Equal(699, nan.GetProperty("step").GetInt64());
        Assert.Equal("up", nan.GetProperty("project").GetString());
        Assert.Equal("runA", nan.GetProperty("run").GetString());
        Assert.Equal("train/loss", nan.GetProperty("tag").GetString());
        Assert.False(string.IsNullOrEmpty(nan.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Upload_ServiceEndsTheFirstStreamUnavailable_OpensItAgainAndUploadsEverything()
    {
        await EndToEndSetup.WriteLossRunAsync(Path.Combine(_logs.Path, "run"), 300);

        await using var server = await InProcessServer.StartAsync(_data.Path, builder =>
        {
            builder.Services.AddSingleton(new FailFirstAnswerInterceptor(() => new RpcException(new Status(StatusCode.Unavailable, "restarting"))));
            builder.Services.Configure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<FailFirstAnswerInterceptor>());
        });

        var upload = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "retry");
        Assert.True(upload.ExitCode == 0, upload.Output + upload.Error);
        Assert.Contains("300 points uploaded, 0 already there, 0 of 1 files failed", upload.Output, StringComparison.Ordinal);
        Assert.Equal(300, EventFiles.Scalars(_data.Path, "retry", "run").Count);
    }

    [Fact]
    public async Task Upload_InterruptedMidFileAndRunAgainWithAnotherBatchSize_ResumesWithNoPointLostOrDoubled()
    {
        await EndToEndSetup.WriteLossRunAsync(Path.Combine(_logs.Path, "run"), 50_000);

        await using (var server = await InProcessServer.StartAsync(_data.Path, builder =>
        {
            builder.Services.AddSingleton(new EndCallAfterRequestsInterceptor(requests: 1 + 100)); // 'open' and 100 batches
            builder.Services.Configure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<EndCallAfterRequestsInterceptor>());
        }))
        {
            var first = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "cut", "--batch", "50");
            Assert.True(first.ExitCode != 0, first.Output + first.Error);
            Assert.Contains("FAILED: ", first.Output, StringComparison.Ordinal);
        }

        // What the interrupted call left durable: at most the 100 batches it read, whatever of them was acked or committed.
        int held = IndependentEvents.Scalars(_data.Path, "cut", "run").Count;
        Assert.InRange(held, 0, 5_000);
        Assert.Equal(0, held % 50);

        await using (var server = await InProcessServer.StartAsync(_data.Path))
        {
            var again = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "cut", "--batch", "70");
            Assert.True(again.ExitCode == 0, again.Output + again.Error);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{50_000 - held:N0} points uploaded, {held:N0} already there, 0 of 1 files failed"), again.Output, StringComparison.Ordinal);
        }

        Assert.Equal(Enumerable.Range(0, 50_000).Select(i => (long)i), IndependentEvents.Scalars(_data.Path, "cut", "run").Select(p => p.Step).Order());
    }

    [Fact]
    public async Task Upload_AgainAfterTheServiceLostItsDatabase_NothingIsDoubled()
    {
        await EndToEndSetup.WriteLossRunAsync(Path.Combine(_logs.Path, "run"), 1_000);

        using var state = new TempFolder();
        await using (var server = await InProcessServer.StartAsync(_data.Path))
        {
            var first = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "lost", "--batch", "100", "--state-dir", state.Path);
            Assert.True(first.ExitCode == 0, first.Output + first.Error);
            Assert.Contains("1,000 points uploaded, 0 already there", first.Output, StringComparison.Ordinal);
        }

        foreach (string suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(Path.Combine(_data.Path, "tbbridge.db" + suffix));
        }

        await using (var server = await InProcessServer.StartAsync(_data.Path))
        {
            var again = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "lost", "--batch", "100", "--state-dir", state.Path);
            Assert.True(again.ExitCode == 0, again.Output + again.Error);
            Assert.Contains("0 points uploaded, 1,000 already there", again.Output, StringComparison.Ordinal);
        }

        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => (long)i), IndependentEvents.Scalars(_data.Path, "lost", "run").Select(p => p.Step).Order());
    }

    [Fact]
    public async Task Upload_ServiceHoldsBatchesTheLedgerDoesNotKnow_RefusesToGuessAndSendsNothing()
    {
        await EndToEndSetup.WriteLossRunAsync(Path.Combine(_logs.Path, "run"), 300);

        await using var server = await InProcessServer.StartAsync(_data.Path);
        var first = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "moved", "--batch", "100");
        Assert.True(first.ExitCode == 0, first.Output + first.Error);

        // The same directory uploaded from "another machine": a state directory with no ledger.
        using var elsewhere = new TempFolder();
        var again = await CliProcess.RunAsync("upload", _logs.Path, "--server", server.Address, "--project", "moved", "--state-dir", elsewhere.Path);
        Assert.True(again.ExitCode != 0, again.Output + again.Error);
        Assert.Contains("the service holds 3 batches of this file's stream, and the upload ledger", again.Output, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), IndependentEvents.Scalars(_data.Path, "moved", "run").Select(p => p.Step).Order());
    }

    [Fact]
    public async Task SummaryWriter_WithRemoteSink_WritesTheSamePointsLocallyAndOnTheService()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var sink = RemoteSink.Create(new RemoteSinkOptions { Server = new Uri(server.Address), Project = "teed", Run = "exp1", Worker = "rank0" });
        await using (var writer = new SummaryWriter(Path.Combine(_logs.Path, "exp1"), new SummaryWriterOptions { Sinks = [sink] }))
        {
            for (int step = 0; step < 5000; step++)
            {
                writer.AddScalar("train/loss", 1.0 / (1 + step), step);
            }
        }

        Assert.Equal(0, sink.DroppedPoints);
        var local = new HashSet<long>();
        foreach (var file in Directory.GetFiles(Path.Combine(_logs.Path, "exp1")))
        {
            foreach (var e in Events.RunReader.ReadFile(file, new Events.EventDecoder()))
            {
                if (e.Values.Any(v => v.Tag == "train/loss"))
                {
                    local.Add(e.Step);
                }
            }
        }

        var remote = EventFiles.Scalars(_data.Path, "teed", "exp1").Where(s => s.Tag == "train/loss").Select(s => s.Step).ToArray();
        Assert.Equal(5000, local.Count);
        Assert.Equal(local.Order(), remote.Order());
    }

    [Fact]
    public async Task Alerts_JsonAndTable_ShowEachAlertsHintAndEvidence()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using (var stream = await IngestStream.OpenAsync(server.Channel, "cli", "r", "rank0", "s"))
        {
            await stream.SendAsync(Batches.Scalars(1, ["train/loss"], [(0, 0L, 2.5, 1.0), (0, 1L, double.PositiveInfinity, 2.0)]));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.CompleteAsync(); // the call ends after the batch was analysed
        }

        var served = Assert.Single((await new AlertService.AlertServiceClient(server.Channel).ListAsync(new ListAlertsRequest())).Alerts);
        Assert.StartsWith("Usual causes:", served.Hint, StringComparison.Ordinal);

        var json = await CliProcess.RunAsync("alerts", "--server", server.Address, "--json");
        Assert.True(json.ExitCode == 0, json.Output + json.Error);
        using var document = JsonDocument.Parse(json.Output);
        var alert = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal("nan_inf", alert.GetProperty("kind").GetString());
        Assert.Equal(served.Hint, alert.GetProperty("hint").GetString());
        Assert.Equal(served.Subject, alert.GetProperty("subject").GetString());
        Assert.Equal(["train/loss"], alert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var evidence = alert.GetProperty("evidence");
        Assert.Equal(["is_nan", "is_inf"], evidence.EnumerateObject().Select(p => p.Name));
        Assert.Equal((0.0, 1.0), (evidence.GetProperty("is_nan").GetDouble(), evidence.GetProperty("is_inf").GetDouble()));

        var table = await CliProcess.RunAsync("alerts", "--server", server.Address, "--wide");
        Assert.True(table.ExitCode == 0, table.Output + table.Error);
        Assert.Contains("is_nan=0", table.Output, StringComparison.Ordinal);
        Assert.Contains("is_inf=1", table.Output, StringComparison.Ordinal);
        Assert.Contains("Usual causes:", table.Output, StringComparison.Ordinal);
    }
}
