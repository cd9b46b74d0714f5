using BenchmarkDotNet.Attributes;
using TorchSharp;

namespace TbBridge.Benchmarks;

/// <summary>
/// Scalars per second until durable on disk, and bytes allocated per scalar: TbBridge's SummaryWriter
/// against TorchSharp's built-in <c>torch.utils.tensorboard.SummaryWriter</c>, in one run. Each invocation
/// logs <see cref="Points"/> scalars and then makes them durable: TbBridge with <c>Flush()</c> (queue drained,
/// fsync), TorchSharp by an fsync of its event file (it flushes each event to the OS itself and has no
/// flush method). Per-operation figures divide by <see cref="Points"/>.
/// </summary>
[MemoryDiagnoser]
// In process: the host's trixie userland has no pgrep, which BenchmarkDotNet's out-of-process toolchain needs.
[InProcess]
[WarmupCount(2)]
[IterationCount(10)]
public class WriterBenchmarks
{
    private const int Points = 20_000;

    private string _root = "";
    private SummaryWriter _tbbridge = null!;
    private global::TorchSharp.Modules.SummaryWriter _torchSharp = null!;
    private string _torchSharpFile = "";
    private long _step;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "tbbridge-bench-writer", Guid.NewGuid().ToString("N"));
        _tbbridge = new SummaryWriter(Path.Combine(_root, "tbbridge"), new SummaryWriterOptions { FlushInterval = Timeout.InfiniteTimeSpan });
        _torchSharp = torch.utils.tensorboard.SummaryWriter(Path.Combine(_root, "torchsharp"));
        _torchSharpFile = Directory.GetFiles(_torchSharp.LogDir).Single();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tbbridge.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Points, Description = "TorchSharp add_scalar, then fsync")]
    public void TorchSharp_AddScalar_UntilDurable()
    {
        int first = (int)_step;
        for (int i = 0; i < Points; i++)
        {
            _torchSharp.add_scalar("train/loss", 1.0f / (i + 1), first + i);
        }

        _step += Points;
        using var file = new FileStream(_torchSharpFile, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Flush(flushToDisk: true);
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "TbBridge AddScalar, then Flush (durable)")]
    public void TbBridge_AddScalar_UntilDurable()
    {
        long first = _step;
        for (int i = 0; i < Points; i++)
        {
            _tbbridge.AddScalar("train/loss", 1.0 / (i + 1), first + i);
        }

        _step += Points;
        _tbbridge.Flush();
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "TbBridge AddScalar (caller's cost, no flush)")]
    public void TbBridge_AddScalar_CallOnly()
    {
        long first = _step;
        for (int i = 0; i < Points; i++)
        {
            _tbbridge.AddScalar("train/loss", 1.0 / (i + 1), first + i);
        }

        _step += Points;
    }
}
