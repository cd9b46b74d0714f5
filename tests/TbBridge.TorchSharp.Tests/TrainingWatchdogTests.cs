using TbBridge.Analysis;
using TbBridge.TorchSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using TbBridge.Testing;

namespace TbBridge.TorchSharp.Tests;

/// <summary>Real TorchSharp training runs of a few dozen steps, watched by the analysis engine in-process.</summary>
public sealed class TrainingWatchdogTests
{
    private static readonly TrainingMonitorOptions s_monitor = new() { HistogramInterval = 5 };

    [TorchFact]
    public async Task HealthyRun_RaisesNoWarning()
    {
        var (alerts, raised, loss) = await TrainAsync(seed: 10, steps: 60, learningRate: 0.1);

        Assert.True(loss < 0.9, $"the healthy run should learn (last loss {loss})");
        Assert.DoesNotContain(alerts, a => a.Severity >= AlertSeverity.Warning);
        Assert.Equal(alerts.Count, raised);
    }

    [TorchFact]
    public async Task NanBatch_CaughtAsCriticalNanInf_AtTheStepItHappened()
    {
        var (alerts, raised, _) = await TrainAsync(seed: 11, steps: 40, learningRate: 0.1,
            corrupt: (step, inputs) => step == 25 ? inputs.index_put_(float.NaN, TensorIndex.Single(3)) : inputs);

        var nan = Assert.Single(alerts, a => a.Kind == AlertKind.NanInf);
        Assert.Equal(AlertSeverity.Critical, nan.Severity);
        Assert.Equal(25, nan.Step);
        Assert.Equal(alerts.Count, raised);
    }

    [TorchFact]
    public async Task ExplodingInit_CaughtAsExplodingGradients()
    {
        var (alerts, _, _) = await TrainAsync(seed: 12, steps: 30, learningRate: 1e-6, prepare: net =>
        {
            using var noGrad = no_grad();
            // Every weight 300x its default init: logits are huge and the gradient norm starts near 4e4.
            foreach (var p in net.Model.parameters())
            {
                p.mul_(300);
            }
        });

        Assert.Contains(alerts, a => a.Kind == AlertKind.ExplodingGradients && a.Severity >= AlertSeverity.Warning);
    }

    [TorchFact]
    public async Task DeadRelu_CaughtOnTheDeadLayer()
    {
        var (alerts, _, _) = await TrainAsync(seed: 13, steps: 40, learningRate: 0.1, prepare: net =>
        {
            using var noGrad = no_grad();
            net.Fc1.bias!.fill_(-100);
        });

        var dead = Assert.Single(alerts, a => a.Kind == AlertKind.DeadRelu);
        Assert.Equal("relu1", dead.Subject);
        Assert.Equal(TrainingTags.Activations("relu1"), dead.Tag);
    }

    [TorchFact]
    public async Task HealthyGruRun_RaisesNoWarning()
    {
        // Another architecture and other parameter names (gru.weight_ih_l0, head.weight), no activation modules.
        var (alerts, _, loss) = await TrainAsync(seed: 15, steps: 300, learningRate: 0.5, recurrent: true);

        Assert.True(loss < 0.6, $"the healthy GRU should learn (last loss {loss})");
        Assert.DoesNotContain(alerts, a => a.Severity >= AlertSeverity.Warning);
    }

    [TorchFact]
    public async Task GruCorruptedBatch_SaturatesTheGates_LossSpikeAtThatStep()
    {
        // Sixteen samples of one batch scaled x300: they saturate the GRU's gates, and the batch's mean loss rises well under
        // the tenfold of a classic spike, yet far out of its noise.
        var (alerts, _, _) = await TrainAsync(seed: 15, steps: 300, learningRate: 0.5, recurrent: true,
            corrupt: (step, inputs) => step == 200 ? inputs.index_put_(inputs.narrow(0, 0, 16) * 300, TensorIndex.Slice(0, 16)) : inputs);

        var spike = alerts.FirstOrDefault(a => a.Kind == AlertKind.LossSpike);
        Assert.NotNull(spike);
        Assert.Equal(200, spike.Step);
        Assert.True(spike.Evidence["ratio"] < 10, $"ratio {spike.Evidence["ratio"]}");

        // The huge update of that batch may shake training afterwards (more spikes); before it, all was quiet.
        Assert.DoesNotContain(alerts, a => a.Severity >= AlertSeverity.Warning && a.Step < 200);
    }

    [TorchFact]
    public async Task StopOnCritical_NanLossValue_StepThrowsAtThatStep()
    {
        using var folder = new TempFolder();
        using var net = new TinyClassifier(seed: 14);
        var watchdog = new TrainingWatchdog(new TrainingWatchdogOptions { StopOnCritical = true });
        long stoppedAt = -1;
        TrainingStoppedException stopped;
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [watchdog], WriteEventFiles = false }))
        using (var monitor = new TrainingMonitor(writer, net.Model, options: new TrainingMonitorOptions { HistogramInterval = 0, Watchdog = watchdog }))
        {
            stopped = Assert.Throws<TrainingStoppedException>(() =>
            {
                for (long step = 0; step < 40; step++)
                {
                    stoppedAt = step;
                    monitor.Step(step, step >= 10 ? double.NaN : 1.0 / (step + 1));
                }
            });
        }

        Assert.Equal(10, stoppedAt);
        Assert.Equal(10, stopped.Step);
        Assert.Equal(AlertKind.NanInf, stopped.Alert.Kind);
        Assert.Equal(10, stopped.Alert.Step);
        Assert.StartsWith("Training stopped by the TbBridge watchdog at step 10: nan_inf (critical) on train/loss: ", stopped.Message, StringComparison.Ordinal);
        Assert.Same(stopped.Alert, watchdog.StopAlert);

        // The writer's loop reports the same alert once it has drained (disposing the writer did).
        var reported = Assert.Single(watchdog.Alerts, a => a.Severity == AlertSeverity.Critical);
        Assert.Equal((stopped.Alert.Kind, stopped.Alert.Step, stopped.Alert.Tag, stopped.Alert.Message), (reported.Kind, reported.Step, reported.Tag, reported.Message));
    }

    [TorchFact]
    public async Task StopOnCritical_NanBatchAtStepK_StepThrowsAtStepK_TwentyRunsInARow()
    {
        // A real model and a real NaN input at step k (a histogram step: host histograms, and their NaN counts, go
        // through the writer's loop too). Before the stop was decided on the training thread, Step threw 1 to 43
        // steps late, by however far the writer's background loop lagged.
        const long k = 25;
        const int runs = 20;
        var alertsOfRun = new List<string[]>();
        for (int run = 0; run < runs; run++)
        {
            using var folder = new TempFolder();
            using var net = new TinyClassifier(seed: 16);
            var watchdog = new TrainingWatchdog(new TrainingWatchdogOptions { StopOnCritical = true });
            long lastStep = -1;
            TrainingStoppedException stopped;
            await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [watchdog] }))
            using (var monitor = new TrainingMonitor(writer, net.Model, options: new TrainingMonitorOptions { HistogramInterval = 5, Watchdog = watchdog }))
            {
                stopped = Assert.Throws<TrainingStoppedException>(() => net.Train(monitor, steps: 80, learningRate: 0.1, corruptInputs: (step, inputs) =>
                {
                    lastStep = step;
                    return step == k ? inputs.index_put_(float.NaN, TensorIndex.Single(3)) : inputs;
                }));
            }

            Assert.True(k == lastStep, $"run {run}: training went on to step {lastStep}");
            Assert.True(k == stopped.Step, $"run {run}: Step threw at step {stopped.Step}");
            Assert.Equal(AlertKind.NanInf, stopped.Alert.Kind);
            Assert.Equal(k, stopped.Alert.Step);
            Assert.StartsWith($"Training stopped by the TbBridge watchdog at step {k}: nan_inf (critical) on train/loss: ", stopped.Message, StringComparison.Ordinal);

            // Disposing the writer drained everything logged into the watchdog: the same alerts on every run, none after k.
            Assert.DoesNotContain(watchdog.Alerts, a => a.Step > k);
            alertsOfRun.Add([.. watchdog.Alerts.Select(a => $"{a.Kind} {a.Step} {a.Tag}: {a.Message}")]);
        }

        Assert.All(alertsOfRun, alerts => Assert.Equal(alertsOfRun[0], alerts));
        Assert.Contains(alertsOfRun[0], a => a.StartsWith($"nan_inf {k} train/loss", StringComparison.Ordinal));
    }

    [TorchFact]
    public async Task StopOnCritical_NanOfAPointLoggedThroughTheWriter_NamesBothSteps()
    {
        using var folder = new TempFolder();
        using var net = new TinyClassifier(seed: 14);
        var watchdog = new TrainingWatchdog(new TrainingWatchdogOptions { StopOnCritical = true });
        TrainingStoppedException stopped;
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [watchdog], WriteEventFiles = false }))
        using (var monitor = new TrainingMonitor(writer, net.Model, options: new TrainingMonitorOptions { HistogramInterval = 0, Watchdog = watchdog }))
        {
            for (long step = 0; step < 6; step++)
            {
                monitor.Step(step, 1.0 / (step + 1));
            }

            // Logged through the writer, not the monitor: analysed on the writer's loop, where a held-out NaN is reported
            // at the next training point (step 6). Once flushed, the watchdog has seen it: the next Step throws.
            writer.AddScalar("val/loss", double.NaN, 5);
            writer.AddScalar(TrainingTags.Loss, 0.1, 6);
            writer.Flush();
            stopped = Assert.Throws<TrainingStoppedException>(() => monitor.Step(7, 0.1));
        }

        Assert.Equal(7, stopped.Step);
        Assert.Equal(5, stopped.Alert.Step);
        Assert.Equal("validation", stopped.Alert.Subject);
        Assert.StartsWith("Training stopped by the TbBridge watchdog at step 7, on an alert of step 5: nan_inf (critical) on val/loss: ", stopped.Message, StringComparison.Ordinal);
    }

    private static async Task<(IReadOnlyList<Alert> Alerts, int Raised, double LastLoss)> TrainAsync(
        int seed, int steps, double learningRate, Func<long, Tensor, Tensor>? corrupt = null, Action<TinyClassifier>? prepare = null, bool recurrent = false)
    {
        using var folder = new TempFolder();
        using var net = new TinyClassifier(seed, recurrent: recurrent);
        prepare?.Invoke(net);
        var watchdog = new TrainingWatchdog();
        int raised = 0;
        watchdog.AlertRaised += _ => Interlocked.Increment(ref raised);
        double loss;
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [watchdog] }))
        {
            using var monitor = new TrainingMonitor(writer, net.Model, options: s_monitor);
            loss = net.Train(monitor, steps, learningRate, corrupt);
        }

        // Disposing the writer drained it into the watchdog and ran the end-of-run checks.
        return (watchdog.Alerts, raised, loss);
    }
}
