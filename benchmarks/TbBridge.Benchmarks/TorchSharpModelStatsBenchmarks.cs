using BenchmarkDotNet.Attributes;
using TbBridge.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.Benchmarks;

/// <summary>
/// One step of model statistics for an MLP of about 3.2 M parameters (512 → 1024 → 1024 → 1024 → 10),
/// gradients in place, until durable on disk: TbBridge's <see cref="TrainingMonitor"/> (weight and gradient
/// histograms, per-parameter and global gradient norms, update ratios, activation health, in one host copy)
/// against the same histograms and norms logged with TorchSharp's SummaryWriter, in one run.
/// </summary>
[MemoryDiagnoser]
[InProcess]
[WarmupCount(2)]
[IterationCount(10)]
public class TorchSharpModelStatsBenchmarks
{
    private string _root = "";
    private global::TorchSharp.Modules.Sequential _model = null!;
    private SummaryWriter _tbbridge = null!;
    private TrainingMonitor _monitor = null!;
    private TrainingMonitor _sameWork = null!;
    private global::TorchSharp.Modules.SummaryWriter _torchSharp = null!;
    private string _torchSharpFile = "";
    private (string Name, global::TorchSharp.Modules.Parameter Value)[] _parameters = [];
    private int _step;

    [GlobalSetup]
    public void Setup()
    {
        manual_seed(7);
        _model = nn.Sequential(
            ("fc1", nn.Linear(512, 1024)), ("relu1", nn.ReLU()),
            ("fc2", nn.Linear(1024, 1024)), ("relu2", nn.ReLU()),
            ("fc3", nn.Linear(1024, 1024)), ("relu3", nn.ReLU()),
            ("out", nn.Linear(1024, 10)));
        _parameters = [.. _model.named_parameters()];
        _root = Path.Combine(Path.GetTempPath(), "tbbridge-bench-model-stats", Guid.NewGuid().ToString("N"));
        _tbbridge = new SummaryWriter(Path.Combine(_root, "tbbridge"), new SummaryWriterOptions { FlushInterval = Timeout.InfiniteTimeSpan });
        _monitor = new TrainingMonitor(_tbbridge, _model, options: new TrainingMonitorOptions { HistogramInterval = 1 });
        _sameWork = new TrainingMonitor(_tbbridge, _model, options: new TrainingMonitorOptions { HistogramInterval = 1, UpdateRatios = false, ActivationHooks = false });
        _torchSharp = utils.tensorboard.SummaryWriter(Path.Combine(_root, "torchsharp"));
        _torchSharpFile = Directory.GetFiles(_torchSharp.LogDir).Single();

        // One forward/backward so every parameter has a gradient and every ReLU an output.
        using var scope = NewDisposeScope();
        _model.train();
        var loss = nn.functional.cross_entropy(_model.call(randn(64, 512)), randint(10, [64]));
        loss.backward();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _monitor.Dispose();
        _sameWork.Dispose();
        _tbbridge.Dispose();
        _model.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "TorchSharp: add_histogram of each weight and grad + add_scalar of each grad norm, then fsync")]
    public void TorchSharp_ModelStats()
    {
        int step = _step++;
        double total = 0;
        foreach (var (name, value) in _parameters)
        {
            using var grad = value.grad!;
            _torchSharp.add_histogram("weights/" + name, value, step);
            _torchSharp.add_histogram("grads/" + name, grad, step);
            using var normTensor = grad.norm();
            float norm = normTensor.item<float>();
            total += (double)norm * norm;
            _torchSharp.add_scalar("grad_norm/" + name, norm, step);
        }

        _torchSharp.add_scalar("grad_norm/total", (float)Math.Sqrt(total), step);
        using var file = new FileStream(_torchSharpFile, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Flush(flushToDisk: true);
    }

    [Benchmark(Description = "TbBridge TrainingMonitor.Step, the same work (weight and grad histograms, grad norms), then Flush (durable)")]
    public void TbBridge_TrainingMonitorStep_SameWork()
    {
        _sameWork.Step(_step++);
        _tbbridge.Flush();
    }

    [Benchmark(Description = "TbBridge TrainingMonitor.Step, everything (also update ratios, activation histograms and health), then Flush (durable)")]
    public void TbBridge_TrainingMonitorStep()
    {
        _monitor.Step(_step++);
        _tbbridge.Flush();
    }
}
