using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.Benchmarks;

/// <summary>
/// One histogram of <see cref="Count"/> normally distributed float32 values with TensorBoard's default
/// buckets, until durable on disk: TbBridge's <c>AddHistogram</c> + <c>Flush()</c> against TorchSharp's
/// <c>add_histogram</c> on a CPU tensor of the same values (+ fsync of its file), in one run.
/// </summary>
[MemoryDiagnoser]
// In process: the host's trixie userland has no pgrep, which BenchmarkDotNet's out-of-process toolchain needs.
[InProcess]
[WarmupCount(2)]
[IterationCount(10)]
public class HistogramBenchmarks
{
    private string _root = "";
    private float[] _values = [];
    private Tensor _tensor = null!;
    private SummaryWriter _tbbridge = null!;
    private global::TorchSharp.Modules.SummaryWriter _torchSharp = null!;
    private string _torchSharpFile = "";
    private int _step;

    [Params(1_000_000, 10_000_000)]
    public int Count { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _values = new float[Count];
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        _tensor = torch.tensor(_values);
        _root = Path.Combine(Path.GetTempPath(), "tbbridge-bench-histogram", Guid.NewGuid().ToString("N"));
        _tbbridge = new SummaryWriter(Path.Combine(_root, "tbbridge"), new SummaryWriterOptions { FlushInterval = Timeout.InfiniteTimeSpan });
        _torchSharp = torch.utils.tensorboard.SummaryWriter(Path.Combine(_root, "torchsharp"));
        _torchSharpFile = Directory.GetFiles(_torchSharp.LogDir).Single();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tbbridge.Dispose();
        _tensor.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "TorchSharp add_histogram, then fsync")]
    public void TorchSharp_AddHistogram()
    {
        _torchSharp.add_histogram("weights", _tensor, _step++);
        using var file = new FileStream(_torchSharpFile, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Flush(flushToDisk: true);
    }

    [Benchmark(Description = "TbBridge AddHistogram, then Flush (durable)")]
    public void TbBridge_AddHistogram()
    {
        _tbbridge.AddHistogram("weights", _values, _step++);
        _tbbridge.Flush();
    }
}
