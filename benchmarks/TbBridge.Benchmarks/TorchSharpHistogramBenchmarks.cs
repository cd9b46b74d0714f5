using BenchmarkDotNet.Attributes;
using TbBridge.TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.Benchmarks;

/// <summary>
/// A histogram of a 10 M-element float32 CPU tensor until durable on disk: TbBridge.TorchSharp's
/// <c>AddHistogram(tag, Tensor, step)</c> (a CPU tensor is read in place by the span path) and its torch-ops
/// path (what a GPU tensor takes: only counts cross to the host) + Flush, against TorchSharp's
/// <c>add_histogram</c> on the same tensor (+ fsync of its file), in one run.
/// </summary>
[MemoryDiagnoser]
[InProcess] // the trixie userland has no pgrep, which the out-of-process toolchain needs
[WarmupCount(2)]
[IterationCount(10)]
public class TorchSharpHistogramBenchmarks
{
    private string _root = "";
    private Tensor _tensor = null!;
    private SummaryWriter _tbbridge = null!;
    private global::TorchSharp.Modules.SummaryWriter _torchSharp = null!;
    private string _torchSharpFile = "";
    private int _step;

    [Params(10_000_000)]
    public int Count { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        manual_seed(42);
        _tensor = randn(Count);
        _root = Path.Combine(Path.GetTempPath(), "tbbridge-bench-torch-histogram", Guid.NewGuid().ToString("N"));
        _tbbridge = new SummaryWriter(Path.Combine(_root, "tbbridge"), new SummaryWriterOptions { FlushInterval = Timeout.InfiniteTimeSpan });
        _torchSharp = utils.tensorboard.SummaryWriter(Path.Combine(_root, "torchsharp"));
        _torchSharpFile = Directory.GetFiles(_torchSharp.LogDir).Single();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tbbridge.Dispose();
        _tensor.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "TorchSharp add_histogram(Tensor), then fsync")]
    public void TorchSharp_AddHistogram()
    {
        _torchSharp.add_histogram("weights", _tensor, _step++);
        using var file = new FileStream(_torchSharpFile, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Flush(flushToDisk: true);
    }

    [Benchmark(Description = "TbBridge TensorHistogram.Compute (torch ops, the GPU path) + AddHistogramRaw, then Flush")]
    public void TbBridge_TorchOpsPath()
    {
        _tbbridge.AddHistogramRaw("weights", TensorHistogram.Compute(_tensor), _step++);
        _tbbridge.Flush();
    }

    [Benchmark(Description = "TbBridge AddHistogram(Tensor) (CPU: in place, span path), then Flush (durable)")]
    public void TbBridge_AddHistogramTensor()
    {
        _tbbridge.AddHistogram("weights", _tensor, _step++);
        _tbbridge.Flush();
    }
}
