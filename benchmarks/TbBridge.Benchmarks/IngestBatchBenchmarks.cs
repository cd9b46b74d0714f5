using BenchmarkDotNet.Attributes;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Liveness;
using TbBridge.Server.Internal.Runs;

namespace TbBridge.Benchmarks;

/// <summary>
/// What the ingest path does with a batch's points as a whole, besides writing them: the run's tags and last step
/// (as IngestEngine.Append feeds them to its <see cref="RunStatus"/>), a shared registry's progress
/// (<see cref="StreamProgress"/>) and the liveness monitor's newest point (<see cref="StreamWatch"/>). One batch of the
/// load test's shape (4,096 scalars over 16 tags, steps rising, wall times rising) per invocation, a new batch object
/// each time so nothing is cached from the last. Run it at two commits to compare them.
/// </summary>
[MemoryDiagnoser]
public class IngestBatchBenchmarks
{
    private const int Points = 4096;
    private const int TagCount = 16;
    private readonly RunStatus _run = new("p", "r");
    private readonly StreamProgress _progress = new();
    private readonly StreamWatch _watch = new(new StreamIdentity("p", "r", "w", "h", "s"));
    private string[] _tags = [];
    private ScalarColumns _scalars = ScalarColumns.Empty;
    private ulong _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _tags = [.. Enumerable.Range(0, TagCount).Select(t => t < 2 ? $"train/loss{t}" : $"metric/{t}")];
        var tagIndex = new int[Points];
        var steps = new long[Points];
        var values = new double[Points];
        var wallTimes = new double[Points];
        for (int i = 0; i < Points; i++)
        {
            tagIndex[i] = i % TagCount;
            steps[i] = i / TagCount;
            values[i] = 1.0 / (i + 1);
            wallTimes[i] = 1_800_000_000 + (0.001 * (i / TagCount));
        }

        _scalars = new ScalarColumns(tagIndex, steps, values, wallTimes);
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "per-batch aggregates of the ingest path (run, progress, liveness)")]
    public void RunProgressAndLiveness()
    {
        var batch = new IngestBatch(++_sequence, _tags, _scalars, [], [], []);
        // As IngestEngine.Append does.
        var summary = batch.Summary;
        _run.AddTags(summary.TagsWithPoints);
        _run.AddPoints(batch.PointCount, summary.MaxPointStep);
        _progress.Note(batch, batch.PointCount);
        _watch.Arrived(TimeProvider.System.GetTimestamp(), TimeProvider.System, batch, TimeSpan.FromMinutes(5));
        if (_sequence % 64 == 0)
        {
            _ = _progress.Take(); // the group commit takes it
        }
    }
}
