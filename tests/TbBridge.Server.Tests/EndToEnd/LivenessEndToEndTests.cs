using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// <c>stalled</c> and <c>disconnected</c> on a real service whose clock is a <see cref="FakeTimeProvider"/>: the
/// test moves time, the monitor's timer fires on that clock, and the alerts are read back through the service's
/// own alert path (List, GetRun). Floor 2 min, ceiling 30 min, grace 1 min, factor 5.
/// </summary>
public sealed class LivenessEndToEndTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private readonly TempFolder _data = new();
    private readonly FakeTimeProvider _time = new(Start);
    private InProcessServer _server = null!;
    private AlertService.AlertServiceClient _alerts = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessServer.StartAsync(
            _data.Path,
            builder => builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time)),
            "--TbBridge:StallFloor=00:02:00",
            "--TbBridge:StallCeiling=00:30:00",
            "--TbBridge:DisconnectGrace=00:01:00",
            "--TbBridge:StallFactor=5");
        _alerts = new AlertService.AlertServiceClient(_server.Channel);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Stalled_StreamThatWasSendingGoesSilent_WarnsOnceThenClearsWhenPointsArrive()
    {
        await using var stream = await IngestStream.OpenAsync(_server.Channel, "p", "hung", "rank0", "hung-0");
        for (int i = 0; i < 6; i++)
        {
            await SendAsync(stream, TimeSpan.FromSeconds(1)); // a batch a second: the threshold is the 2 min floor
        }

        _time.Advance(TimeSpan.FromSeconds(110));
        Assert.Empty(await ListAsync("stalled"));
        Assert.Equal(RunState.Active, (await RunAsync("hung")).State);

        _time.Advance(TimeSpan.FromSeconds(20)); // 130 s of silence
        var stalled = Assert.Single(await ListAsync("stalled"));
        Assert.Equal(Severity.Warning, stalled.Severity);
        Assert.Equal(("hung", "rank0", "worker rank0", "train/loss"), (stalled.Run, stalled.Worker, stalled.Subject, stalled.Tag));
        Assert.Equal(120, stalled.Evidence["threshold_seconds"]);
        Assert.True(stalled.Evidence["silent_seconds"] > 120);
        Assert.StartsWith("Usual causes:", stalled.Hint, StringComparison.Ordinal);
        var run = await RunAsync("hung");
        Assert.Equal((RunState.Stalled, 1L), (run.State, run.AlertCounts["warning"]));
        Assert.True(run.LastPointAgeSeconds > 120);

        // The alert's text entry is in the silent stream's own file, durable, while the job is still hung.
        await Eventually.HoldsAsync(() => AlertTexts("hung").Any(t => t.Contains("`stalled`", StringComparison.Ordinal)), "the stalled alert's text entry is in the run");

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Single(await ListAsync("stalled")); // one alert per stall, however long it lasts

        await SendAsync(stream, TimeSpan.Zero); // it came back: the stall clears
        Assert.Equal(RunState.Active, (await RunAsync("hung")).State);
        Assert.Equal(0, (await RunAsync("hung")).LastPointAgeSeconds);

        // The longest recent gap is now the 12-minute stall itself: a new stall needs 5 × that (30 min, the ceiling).
        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Single(await ListAsync("stalled"));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(2, (await ListAsync("stalled")).Count);

        await stream.CompleteAsync();
    }

    [Fact]
    public async Task Stalled_RunThatLogsEveryFewMinutesByDesign_StaysSilentUntilFiveTimesItsInterval()
    {
        await using var stream = await IngestStream.OpenAsync(_server.Channel, "p", "sparse", "rank0", "sparse-0");
        for (int i = 0; i < 8; i++)
        {
            await SendAsync(stream, TimeSpan.FromMinutes(4));
        }

        _time.Advance(TimeSpan.FromMinutes(15)); // 19 min of silence; threshold: 5 × 4 min = 20 min
        Assert.Empty(await ListAsync("stalled"));
        Assert.Equal(RunState.Active, (await RunAsync("sparse")).State);

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1200, Assert.Single(await ListAsync("stalled")).Evidence["threshold_seconds"]);
        await stream.CompleteAsync();
    }

    [Fact]
    public async Task Disconnected_StreamBreaksAndDoesNotComeBack_CriticalAfterTheGrace()
    {
        var stream = await IngestStream.OpenAsync(_server.Channel, "p", "died", "rank0", "died-0");
        await SendAsync(stream, TimeSpan.FromSeconds(1));
        await stream.DisposeAsync(); // the process dies: the call is cut, never completed
        await Eventually.HoldsAsync(async () => (await RunAsync("died")).State == RunState.Disconnected, "the service saw the call break");

        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.Empty(await ListAsync("disconnected"));

        _time.Advance(TimeSpan.FromSeconds(15));
        var alert = Assert.Single(await ListAsync("disconnected"));
        Assert.Equal((Severity.Critical, "died", "rank0"), (alert.Severity, alert.Run, alert.Worker));
        Assert.Equal(60, alert.Evidence["grace_seconds"]);
        Assert.Equal(1, (await RunAsync("died")).AlertCounts["critical"]);

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Single(await ListAsync("disconnected"));
        Assert.Empty(await ListAsync("stalled")); // a stream that is gone is disconnected, not stalled
    }

    [Fact]
    public async Task Disconnected_StreamBreaksAndResumesWithinTheGrace_NoAlert()
    {
        var first = await IngestStream.OpenAsync(_server.Channel, "p", "blip", "rank0", "blip-0");
        await SendAsync(first, TimeSpan.FromSeconds(1));
        await first.DisposeAsync();
        await Eventually.HoldsAsync(async () => (await RunAsync("blip")).State == RunState.Disconnected, "the service saw the call break");
        _time.Advance(TimeSpan.FromSeconds(40));

        await using var resumed = await IngestStream.OpenAsync(_server.Channel, "p", "blip", "rank0", "blip-0");
        Assert.Equal(1UL, resumed.Opened.LastSequence);
        Assert.Equal(RunState.Active, (await RunAsync("blip")).State);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await ListAsync("disconnected"));
        await resumed.CompleteAsync();
    }

    [Fact]
    public async Task StalledAndDisconnected_RunThatClosesCleanly_NeitherRaisedAndStateFinished()
    {
        await using var stream = await IngestStream.OpenAsync(_server.Channel, "p", "done", "rank0", "done-0");
        for (int i = 0; i < 5; i++)
        {
            await SendAsync(stream, TimeSpan.FromSeconds(1));
        }

        await stream.CompleteAsync();
        Assert.Equal(RunState.Idle, (await RunAsync("done")).State);
        _time.Advance(TimeSpan.FromHours(3));
        Assert.Empty((await _alerts.ListAsync(new ListAlertsRequest())).Alerts);
        Assert.Equal(RunState.Idle, (await RunAsync("done")).State);
    }

    [Fact]
    public async Task RunsCommand_RunsInEachState_TableAndJsonShowStateAgeAndAlerts()
    {
        var died = await IngestStream.OpenAsync(_server.Channel, "cli", "died", "rank0", "c-died");
        await SendAsync(died, TimeSpan.Zero);
        await died.DisposeAsync();
        await Eventually.HoldsAsync(async () => (await RunAsync("died", "cli")).State == RunState.Disconnected, "the service saw the call break");
        await using var hung = await IngestStream.OpenAsync(_server.Channel, "cli", "hung", "rank0", "c-hung");
        await SendAsync(hung, TimeSpan.FromSeconds(1));
        await SendAsync(hung, TimeSpan.FromSeconds(1));
        await SendAsync(hung, TimeSpan.FromMinutes(3)); // hung: stalled after 2 min; died: disconnected after 1 min
        await using var live = await IngestStream.OpenAsync(_server.Channel, "cli", "live", "rank0", "c-live");
        await SendAsync(live, TimeSpan.FromSeconds(42));
        await using (var done = await IngestStream.OpenAsync(_server.Channel, "cli", "done", "rank0", "c-done"))
        {
            await SendAsync(done, TimeSpan.Zero);
            await done.CompleteAsync();
        }

        var json = await CliProcess.RunAsync("runs", "--server", _server.Address, "--project", "cli", "--json");
        Assert.True(json.ExitCode == 0, json.Output + json.Error);
        using var document = System.Text.Json.JsonDocument.Parse(json.Output);
        var runs = document.RootElement.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("run").GetString()!);
        Assert.Equal(["died", "done", "hung", "live"], runs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("disconnected", runs["died"].GetProperty("state").GetString());
        Assert.Equal(1, runs["died"].GetProperty("alerts").GetProperty("critical").GetInt64());
        Assert.Equal("stalled", runs["hung"].GetProperty("state").GetString());
        Assert.Equal(1, runs["hung"].GetProperty("alerts").GetProperty("warning").GetInt64());
        Assert.Equal(180 + 42, runs["hung"].GetProperty("last_point_age_seconds").GetDouble());
        Assert.Equal("live", runs["live"].GetProperty("state").GetString());
        Assert.Equal(42, runs["live"].GetProperty("last_point_age_seconds").GetDouble());
        Assert.Equal("finished", runs["done"].GetProperty("state").GetString());
        Assert.Equal(0, runs["done"].GetProperty("alert_count").GetInt64());

        var table = await CliProcess.RunAsync("runs", "--server", _server.Address, "--project", "cli");
        Assert.True(table.ExitCode == 0, table.Output + table.Error);
        var lines = table.Output.TrimEnd().Split('\n');
        Assert.Matches(@"^PROJECT\s+RUN\s+STATE\s+WORKERS\s+LAST STEP\s+LAST POINT\s+CRITICAL\s+WARNING\s+INFO$", lines[0]);
        Assert.Matches(@"^cli\s+hung\s+stalled\s+1\s+30\s+3m ago\s+0\s+1\s+0$", lines.Single(l => l.Contains("hung", StringComparison.Ordinal)));
        Assert.Matches(@"^cli\s+live\s+live\s+1\s+10\s+42s ago\s+0\s+0\s+0$", lines.Single(l => l.Contains(" live ", StringComparison.Ordinal)));
    }

    /// <summary>The run's <c>tbbridge/alerts</c> text entries, as its event files hold them now.</summary>
    private IEnumerable<string> AlertTexts(string run)
    {
        var errors = new List<Events.EventReadError>();
        return EventFiles.Files(_data.Path, "p", run)
            .SelectMany(f => Events.RunReader.ReadFile(f, new Events.EventDecoder(), errors))
            .SelectMany(e => e.Values.Where(v => v.Tag == IndependentEvents.ServiceTag && v.Text is not null).Select(v => v.Text!))
            .ToArray();
    }

    /// <summary>Sends one batch with wall times on the fake clock, waits for its ack, then moves the clock on.</summary>
    private async Task SendAsync(IngestStream stream, TimeSpan then)
    {
        ulong sequence = stream.Acked + 1;
        double wall = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        long step = (long)sequence * 10;
        await stream.SendAsync(Batches.Scalars(sequence, ["train/loss"], [(0, step, 1.0 / sequence, wall)]));
        Assert.True(await stream.WaitAckAsync(sequence));
        _time.Advance(then);
    }

    private async Task<List<Alert>> ListAsync(string kind)
    {
        var page = await _alerts.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Kinds = { kind } } });
        return [.. page.Alerts];
    }

    private async Task<RunSummary> RunAsync(string run, string project = "p") =>
        (await _alerts.GetRunAsync(new GetRunRequest { Project = project, Run = run })).Summary;
}
