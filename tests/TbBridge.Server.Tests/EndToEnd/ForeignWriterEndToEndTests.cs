using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;
using TbBridge.TorchSharp.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// A foreign writer for real: a TorchSharp training loop logs with TorchSharp's own
/// <c>torch.utils.tensorboard.SummaryWriter</c> (which appends and flushes each event before <c>add_scalar</c>
/// returns), a real <c>tbbridge upload --follow</c> process streams its directory, and a real service raises
/// <c>nan_inf</c> on the NaN the loop logs while the loop is still training. The delay from the write to the
/// alert's arrival on a Watch stream is measured and printed, never asserted (docs/performance.md).
/// </summary>
public sealed class ForeignWriterEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string Project = "foreign";
    private const string Run = "torchsharp-mlp";

    /// <summary>The loop's bound: at most this many steps (a minute at the pace), however late the alert is.</summary>
    private const int LastStep = 3000;

    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(20);

    private readonly TempFolder _data = new();
    private readonly TempFolder _logs = new();

    public void Dispose()
    {
        _data.Dispose();
        _logs.Dispose();
    }

    [TorchFact]
    public async Task ForeignWriter_TorchSharpSummaryWriterLogsNanWhileFollowed_NanInfAtThatStepArrivesBeforeTheLoopEnds()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var alerts = new AlertService.AlertServiceClient(server.Channel);
        using var watch = alerts.Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = Project, Run = Run, Kinds = { "nan_inf" } } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var arrival = Task.Run(async () =>
        {
            bool any = await watch.ResponseStream.MoveNext(timeout.Token);
            return (Alert: any ? watch.ResponseStream.Current : null, At: Stopwatch.GetTimestamp());
        });

        using var follower = FollowerProcess.Start(_logs.Path, server.Address, Project);
        var injectNan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = Task.Factory.StartNew(
            () => Train(Path.Combine(_logs.Path, Run), injectNan.Task, arrival),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // The NaN goes in once the service is receiving the run's points, so the delay measured is the follower's
        // steady one, not its start-up.
        await Eventually.HoldsAsync(async () => loop.IsCompleted || await LastStepAsync(alerts) >= 20, "the service receives the loop's points");
        injectNan.TrySetResult();
        var trained = await loop;

        Assert.True(trained.NanStep is not null, "the loop never logged its NaN");
        Assert.True(arrival.IsCompleted, $"the loop reached its last step ({LastStep}) with no nan_inf alert; follower: {follower.Output}");
        var (alert, arrivedAt) = await arrival;
        Assert.NotNull(alert);
        Assert.Equal(("nan_inf", Severity.Critical, Project, Run, "train/loss", (long)trained.NanStep!.Value),
            (alert.Kind, alert.Severity, alert.Project, alert.Run, alert.Tag, alert.Step));
        Assert.True(trained.EndedAtStep < LastStep, $"the loop ended at its last step ({LastStep}) before the alert");

        double delayMs = Stopwatch.GetElapsedTime(trained.NanWrittenAt, arrivedAt).TotalMilliseconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nan_inf at step {alert.Step}: {delayMs:F0} ms from TorchSharp's add_scalar returning to the alert on Watch; the loop stopped at step {trained.EndedAtStep} of {LastStep}"));

        // What the service holds is TorchSharp's records, read back independently: every step once, the NaN at its step.
        await Eventually.HoldsAsync(
            () => IndependentEvents.Scalars(_data.Path, Project, Run).Count(p => p.Tag == "train/loss") >= trained.EndedAtStep + 1,
            "the service holds every step the loop logged");
        var stopped = await follower.StopAsync();
        Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Error);
        await server.StopAsync();
        var held = IndependentEvents.Scalars(_data.Path, Project, Run).Where(p => p.Tag == "train/loss").ToArray();
        Assert.Equal(Enumerable.Range(0, trained.EndedAtStep + 1).Select(s => (long)s), held.Select(p => p.Step).Order());
        Assert.True(float.IsNaN(Assert.Single(held, p => p.Step == trained.NanStep).Value));
        Assert.All(held.Where(p => p.Step != trained.NanStep), p => Assert.True(float.IsFinite(p.Value)));
    }

    /// <summary>
    /// A small MLP learning a linear target from random batches, logging its loss each step at <see cref="Pace"/>;
    /// once <paramref name="injectNan"/> completes, one batch gets a NaN input (a corrupt sample), so the logged loss
    /// is TorchSharp's own NaN. Like AMP's GradScaler the loop skips the update of a non-finite loss, and trains on.
    /// It stops one step after <paramref name="alert"/> arrives (someone acted on it), or at <see cref="LastStep"/>.
    /// </summary>
    private static Trained Train(string logDir, Task injectNan, Task alert)
    {
        torch.manual_seed(7);
        var writer = torch.utils.tensorboard.SummaryWriter(logDir);
        using var model = torch.nn.Sequential(("fc1", torch.nn.Linear(8, 16)), ("relu", torch.nn.ReLU()), ("fc2", torch.nn.Linear(16, 1)));
        using var optimizer = torch.optim.SGD(model.parameters(), 0.05);
        int? nanStep = null;
        long nanWrittenAt = 0;
        for (int step = 0; step <= LastStep; step++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                var inputs = torch.randn(32, 8);
                var targets = inputs.sum(1, keepdim: true) * 0.5;
                bool poison = nanStep is null && injectNan.IsCompleted;
                if (poison)
                {
                    inputs.index_put_(float.NaN, torch.TensorIndex.Single(3));
                }

                var loss = torch.nn.functional.mse_loss(model.call(inputs), targets);
                float value = loss.item<float>();
                if (float.IsFinite(value))
                {
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                }

                writer.add_scalar("train/loss", value, step);
                if (poison)
                {
                    nanWrittenAt = Stopwatch.GetTimestamp(); // the event is on disk: TorchSharp flushed and closed the file
                    Assert.True(float.IsNaN(value), $"a NaN input gave loss {value}");
                    nanStep = step;
                }
            }

            if (nanStep is not null && alert.IsCompleted)
            {
                return new Trained(nanStep, nanWrittenAt, step);
            }

            Thread.Sleep(Pace);
        }

        return new Trained(nanStep, nanWrittenAt, LastStep);
    }

    private static async Task<long> LastStepAsync(AlertService.AlertServiceClient alerts)
    {
        try
        {
            return (await alerts.GetRunAsync(new GetRunRequest { Project = Project, Run = Run })).Summary.LastStep;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return -1;
        }
    }

    private sealed record Trained(int? NanStep, long NanWrittenAt, int EndedAtStep);
}
