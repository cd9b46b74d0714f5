using TbBridge;
using TbBridge.Analysis;
using TbBridge.Remote;
using TbBridge.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchSharpTraining;

/// <summary>Trains one run: the model, the data, the fault, the monitor and the watchdog.</summary>
internal sealed class Trainer(SampleOptions options, TextWriter output)
{
    private const int BatchSize = 64;
    private const int ValidationInterval = 10;
    private readonly string? _fault = options.Fault?.Name;

    /// <summary>Trains, then returns every alert the watchdog raised (end-of-run checks included).</summary>
    public async Task<IReadOnlyList<Alert>> RunAsync()
    {
        using var data = new SyntheticData(options.Seed, _fault == "overfit" ? 64 : 4096);
        manual_seed(options.Seed + 1);
        using var model = Models.Create(options.Model, _fault);
        Prepare(model);
        double baseRate = _fault switch
        {
            "lr-too-high" => 20,
            "heavy-dropout" => 0.01,
            _ => 0.05,
        };
        using var optimizer = _fault == "heavy-dropout"
            ? optim.SGD(model.parameters(), baseRate)
            : optim.SGD(model.parameters(), baseRate, momentum: 0.9);

        var watchdog = new TrainingWatchdog(new TrainingWatchdogOptions { StopOnCritical = options.StopOnCritical, RunName = options.RunName() });
        watchdog.AlertRaised += a => output.WriteLine($"[watchdog] step {a.Step}: {a.Kind} ({a.Severity.ToWireString()}) {a.Message}");
        var sinks = new List<ISummarySink> { watchdog };
        RemoteSink? remote = null;
        var counter = new PointCounter();
        if (options.Remote is { } server)
        {
            // Bounded waits: a service that is down costs a few seconds at the end, not the library's 30 s drain.
            remote = RemoteSink.Create(new RemoteSinkOptions
            {
                Server = server,
                ApiKey = options.ApiKey,
                Project = RemoteProject,
                Run = options.RunName(),
                OpenTimeout = RemoteWait,
                DrainTimeout = RemoteWait,
            });
            sinks.Add(remote);
            sinks.Add(counter);
        }

        var writer = new SummaryWriter(options.LogDir, new SummaryWriterOptions { Sinks = sinks });
        TrainingStoppedException? stopped = null;
        try
        {
            using var monitor = new TrainingMonitor(writer, model, optimizer, new TrainingMonitorOptions { HistogramInterval = 10, Watchdog = watchdog });
            double accuracy = double.NaN;
            for (long step = 0; step < options.Steps; step++)
            {
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = baseRate * LearningRateSchedule.Factor(options.Schedule, step, options.Steps);
                }

                TrainStep(step, model, optimizer, monitor, data);
                if (step % ValidationInterval == 0)
                {
                    accuracy = Validate(step, model, data, writer);
                }
            }

            output.WriteLine($"trained {options.Steps} steps (validation accuracy {accuracy:P1}); event files in {writer.LogDir}");
        }
        catch (TrainingStoppedException e)
        {
            stopped = e;
        }
        finally
        {
            // Drains the queue into the watchdog (every alert is printed by then) and runs its end-of-run checks.
            await writer.DisposeAsync();
        }

        if (stopped is not null)
        {
            output.WriteLine(stopped.Message);
        }

        if (remote is not null)
        {
            ReportRemote(options.Remote!, remote, counter.Points);
        }

        return watchdog.Alerts;
    }

    /// <summary>The project the sample's runs go to on the service (<c>--remote</c>).</summary>
    public const string RemoteProject = "torchsharp-sample";

    private static readonly TimeSpan RemoteWait = TimeSpan.FromSeconds(5);

    private void ReportRemote(Uri server, RemoteSink remote, long points)
    {
        // What the service has no place for (all-NaN histograms after a NaN, say) stays in the local files only.
        points -= remote.UnsupportedPoints;
        long acknowledged = remote.AcknowledgedPoints;
        long dropped = remote.DroppedPoints;
        string address = server.GetLeftPart(UriPartial.Authority);
        string where = $"{address} (project {RemoteProject}, run {options.RunName()})";
        if (acknowledged >= points)
        {
            output.WriteLine($"remote: the service acknowledged all {points} points, in {where}");
            return;
        }

        Console.Error.WriteLine(acknowledged == 0
            ? $"warning: --remote delivered nothing to {where}: 0 of {points} points acknowledged, {dropped} dropped, the rest given up after {RemoteWait.TotalSeconds:0} s; is the service running (tbbridge health --server {address})?"
            : $"warning: --remote delivered {acknowledged} of {points} points to {where}: {dropped} dropped, {points - acknowledged - dropped} not acknowledged after {RemoteWait.TotalSeconds:0} s");
    }

    private void Prepare(nn.Module<Tensor, Tensor> model)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            // The biases in front of the first ReLU (fc1 in the MLP and the GRU's head, conv1 in the CNN).
            if (_fault == "dead-relu" && name is "fc1.bias" or "head.fc1.bias" or "conv1.bias")
            {
                p.fill_(-100);
            }
            else if (_fault == "exploding-init")
            {
                p.mul_(300);
            }
        }
    }

    private void TrainStep(long step, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, TrainingMonitor monitor, SyntheticData data)
    {
        using var scope = NewDisposeScope();
        model.train();
        var (inputs, labels) = data.Batch(step, BatchSize);
        bool spike = _fault == "loss-spike" && step == 200;
        switch (_fault)
        {
            case "unnormalized-inputs":
                inputs = (inputs * 1000) + 500;
                break;
            case "nan-batch" when step == 150:
                inputs = inputs.clone();
                inputs[5, 3] = tensor(float.NaN);
                break;
            case "loss-spike" when spike:
                inputs = inputs * 30;
                labels = labels.index_select(0, randperm(labels.shape[0]));
                break;
            default:
                break;
        }

        optimizer.zero_grad();
        var logits = model.call(inputs);
        var loss = _fault == "log-zero-loss" && step >= 150
            ? -nn.functional.softmax(logits * 1000, 1).gather(1, labels.unsqueeze(1)).log().mean()
            : nn.functional.cross_entropy(logits, labels);
        loss.backward();
        if (!spike)
        {
            optimizer.step();
        }

        monitor.Step(step, loss);
    }

    private static double Validate(long step, nn.Module<Tensor, Tensor> model, SyntheticData data, SummaryWriter writer)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var logits = model.call(data.ValidationInputs);
        writer.AddScalar("val/loss", nn.functional.cross_entropy(logits, data.ValidationLabels).item<float>(), step);
        double accuracy = logits.argmax(1).eq(data.ValidationLabels).to_type(ScalarType.Float32).mean().item<float>();
        writer.AddScalar("val/accuracy", accuracy, step);
        model.train();
        return accuracy;
    }
}
