using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using TbBridge.Protocol.V1;
using TbBridge.Remote;
using TbBridge.Server.Tests.Infrastructure;
using TbBridge.TorchSharp.Tests.Support;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// A .NET run that streams through <see cref="RemoteSink"/> and disposes it ends as a finished run: the service
/// sees the client close its side (not a cut call), runs the end-of-run checks, and never raises
/// <c>disconnected</c>, however long after. The service's clock is a <see cref="FakeTimeProvider"/>, so "five minutes
/// later" is a step of the test, not a wait.
/// </summary>
public sealed class CleanEndTests : IAsyncLifetime
{
    private readonly TempFolder _data = new();
    private readonly TempFolder _logs = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    private InProcessServer _server = null!;
    private AlertService.AlertServiceClient _alerts = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessServer.StartAsync(
            _data.Path,
            builder => builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time)),
            "--TbBridge:DisconnectGrace=00:01:00");
        _alerts = new AlertService.AlertServiceClient(_server.Channel);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _data.Dispose();
        _logs.Dispose();
    }

    [Fact]
    public async Task RemoteSink_DisposedAfterTraining_RunFinishedAndNeverDisconnected()
    {
        var remote = RemoteSink.Create(new RemoteSinkOptions
        {
            Server = new Uri(_server.Address), Project = "dotnet", Run = "plain", Worker = "rank0",
        });
        await using (var writer = new SummaryWriter(_logs.Path, new SummaryWriterOptions { Sinks = [remote] }))
        {
            for (long step = 0; step < 200; step++)
            {
                writer.AddScalar("train/loss", 2.0 / (1 + step), step);
            }
        }

        await remote.DisposeAsync();
        Assert.Equal((200L, 0L), (remote.AcknowledgedPoints, remote.DroppedPoints));
        Assert.DoesNotContain(await AssertFinishedCleanlyAsync("plain"), a => a.Severity == Severity.Critical);
    }

    [TorchFact]
    public async Task TorchSharpSample_HealthyRunWithRemote_FinishedAndNeverDisconnected()
    {
        var (exitCode, output, error) = await CliProcess.RunProgramAsync(
            "TorchSharpTraining", "--steps", "100", "--logdir", _logs.Path, "--remote", _server.Address);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        Assert.Contains("the service acknowledged all", output, StringComparison.Ordinal);
        Assert.DoesNotContain(await AssertFinishedCleanlyAsync("healthy", SampleProject), a => a.Severity == Severity.Critical);
    }

    [TorchFact]
    public async Task TorchSharpSample_WatchdogStopsTheRun_FinishedWithItsAlertAndNeverDisconnected()
    {
        var (exitCode, output, error) = await CliProcess.RunProgramAsync(
            "TorchSharpTraining", "--fault", "nan-batch", "--logdir", _logs.Path, "--remote", _server.Address);

        // The watchdog stops the run at the NaN (exit 0: it named the injected fault); everything logged until
        // then reaches the service (but the all-NaN histograms after it, which the event files leave out too), and
        // the run ends as finished, not as a job that died.
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        Assert.Contains("the service acknowledged all", output, StringComparison.Ordinal);
        var alerts = await AssertFinishedCleanlyAsync("nan-batch", SampleProject);
        Assert.Contains(alerts, a => a.Kind == "nan_inf");
    }

    [Fact]
    public async Task RemoteSink_SeveralSubRunsAndWorkersDisposedTogether_EveryStreamFinishes()
    {
        var sinks = new List<RemoteSink>();
        for (int rank = 0; rank < 3; rank++)
        {
            var remote = RemoteSink.Create(new RemoteSinkOptions
            {
                Server = new Uri(_server.Address), Project = "dotnet", Run = "ddp", Worker = $"rank{rank}",
            });
            sinks.Add(remote);
            await using var writer = new SummaryWriter(Path.Combine(_logs.Path, $"rank{rank}"), new SummaryWriterOptions { Sinks = [remote] });
            for (long step = 0; step < 50; step++)
            {
                writer.AddScalars("loss", new Dictionary<string, double> { ["train"] = 1.0 / (1 + step), ["val"] = 1.2 / (1 + step) }, step);
            }
        }

        await Task.WhenAll(sinks.Select(s => s.DisposeAsync().AsTask()));
        Assert.All(sinks, s => Assert.Equal(100, s.AcknowledgedPoints));

        // AddScalars makes the sub-runs ddp/loss_train and ddp/loss_val, each streamed by all three workers.
        var runs = await RunsAsync();
        Assert.Equal(["ddp/loss_train", "ddp/loss_val"], runs.Select(r => r.Run).Order(StringComparer.Ordinal));
        Assert.All(runs, r => Assert.Equal((RunState.Idle, 3), (r.State, r.WorkerCount)));
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty((await _alerts.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Kinds = { "disconnected" } } })).Alerts);
        Assert.All(await RunsAsync(), r => Assert.Equal(RunState.Idle, r.State));
    }

    /// <summary>The project the TorchSharp sample streams to with <c>--remote</c>.</summary>
    private const string SampleProject = "torchsharp-sample";

    /// <summary>
    /// Finished at once, and still no <c>disconnected</c> or <c>stalled</c> ten minutes (ten graces) later; returns
    /// the run's alerts.
    /// </summary>
    private async Task<List<Alert>> AssertFinishedCleanlyAsync(string run, string project = "dotnet")
    {
        Assert.Equal(RunState.Idle, (await RunAsync(run, project)).State);

        _time.Advance(TimeSpan.FromMinutes(10));
        var alerts = await ListAsync(run, project);
        Assert.DoesNotContain(alerts, a => a.Kind is "disconnected" or "stalled");
        Assert.Equal(RunState.Idle, (await RunAsync(run, project)).State);
        return alerts;
    }

    private async Task<List<Alert>> ListAsync(string run, string project) =>
        [.. (await _alerts.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = project, Run = run } })).Alerts];

    private async Task<List<RunSummary>> RunsAsync() =>
        [.. (await _alerts.ListRunsAsync(new ListRunsRequest { Project = "dotnet" })).Runs];

    private async Task<RunSummary> RunAsync(string run, string project) =>
        (await _alerts.GetRunAsync(new GetRunRequest { Project = project, Run = run })).Summary;
}
