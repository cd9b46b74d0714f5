using BenchmarkDotNet.Attributes;
using TbBridge.Events;
using TbBridge.Testing;

namespace TbBridge.Benchmarks;

/// <summary>
/// Reads the seventeen PyTorch runs of the tests' datasets fixture, pytorch-runs (84 MB, about 1.3 M records):
/// framing and both CRCs alone, and the full decode into summary values. Throughput is the runs' total
/// bytes over the mean time (docs/performance.md); the files sit in the page cache after the first pass.
/// </summary>
[MemoryDiagnoser]
public class ReaderBenchmarks
{
    private IReadOnlyList<RunInfo> _runs = [];

    [GlobalSetup]
    public void Setup()
    {
        _runs = LogDirectory.DiscoverRuns(RepoPaths.PyTorchRuns);
        long bytes = _runs.SelectMany(r => r.EventFiles).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"// {_runs.Count} runs, {bytes:N0} bytes");
    }

    [Benchmark(Description = "framing + CRC32C only")]
    public long Records()
    {
        long count = 0;
        foreach (var file in _runs.SelectMany(r => r.EventFiles))
        {
            using var reader = new EventFileReader(file);
            foreach (var record in reader.ReadToEnd())
            {
                count += record.Payload.Length;
            }
        }

        return count;
    }

    [Benchmark(Baseline = true, Description = "records decoded to values")]
    public long Decoded()
    {
        long count = 0;
        foreach (var run in _runs)
        {
            foreach (var evt in RunReader.ReadRun(run))
            {
                count += evt.Values.Count;
            }
        }

        return count;
    }
}
