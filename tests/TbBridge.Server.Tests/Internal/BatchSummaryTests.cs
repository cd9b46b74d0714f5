using TbBridge.Events;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Liveness;

namespace TbBridge.Server.Tests.Internal;

/// <summary>
/// The one pass over a batch (<see cref="BatchSummary"/>) gives each consumer on the ingest path exactly what its own
/// walk over the points gave: the run's last step, a shared registry's progress and the liveness monitor's newest
/// point. The walks the consumers had before are kept here as the reference, and both see the same sequences of
/// batches: empty ones, text-only ones, steps out of order, ties, and NaN and infinite wall times.
/// </summary>
public sealed class BatchSummaryTests
{
    private static readonly string[] Tags = ["a", "b", "c", "unused"];
    private static readonly double[] Walls = [1.0, 2.0, 2.0, 3.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.5];

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Consumers_RandomBatchSequences_SeeWhatTheirOwnWalksSaw(int seed)
    {
        var random = new Random(seed);
        // Half the seeds never write a non-finite wall time: the summary's fast path on its own.
        bool finiteOnly = seed % 2 == 0;
        var progress = new StreamProgress();
        var reference = new ReferenceProgress();
        var watch = new StreamWatch(new StreamIdentity("p", "r", "w", "h", "s"));
        var referenceWatch = new ReferenceWatch();
        var time = TimeProvider.System;
        for (int b = 0; b < 12; b++)
        {
            var batch = RandomBatch(random, (ulong)b + 1, finiteOnly);
            Assert.Equal(ReferenceMaxStep(batch), batch.Summary.MaxPointStep);
            Assert.Equal(ReferenceTagsWithPoints(batch), batch.Summary.TagsWithPoints);

            progress.Note(batch, batch.PointCount);
            reference.Note(batch, batch.PointCount);
            watch.Arrived(time.GetTimestamp(), time, batch, TimeSpan.FromDays(1));
            referenceWatch.Arrived(batch);
            Assert.Equal((referenceWatch.NewestWallTime, referenceWatch.LastStep, referenceWatch.LastTag), (watch.NewestWallTime, watch.LastStep, watch.LastTag));

            if (random.Next(3) == 0)
            {
                var delta = progress.Take();
                var expected = reference.Take();
                Assert.Equal((expected.Points, expected.LastStep, expected.LastTag, expected.NewestWallTime), (delta.Points, delta.LastStep, delta.LastTag, delta.NewestWallTime));
                Assert.Equal(expected.NewTags, delta.NewTags);
            }
        }
    }

    [Fact]
    public void Summary_EmptyBatch_HasNoStepNoNewestPointAndNoTags()
    {
        var summary = Batch(1, [], [], []).Summary;
        Assert.Equal(long.MinValue, summary.MaxPointStep);
        Assert.Null(summary.MaxStep);
        Assert.False(summary.HasFiniteWallTime);
        Assert.Equal("", summary.NewestTag);
        Assert.Empty(summary.TagsWithPoints);
    }

    [Fact]
    public void Summary_TextsAndStepsOutOfOrder_TextsCountForTheStreamNotForTheRunsLastStep()
    {
        var summary = Batch(1, [(0, 9, 5.0), (1, 3, 7.0)], [], [(2, 20, 7.0)]).Summary;
        Assert.Equal(9, summary.MaxPointStep);
        Assert.Equal(20, summary.MaxStep);
        Assert.Equal((7.0, 20L, "c"), (summary.NewestWallTime, summary.NewestStep, summary.NewestTag)); // the later point on a tie
        Assert.Equal(["a", "b", "c"], summary.TagsWithPoints);
    }

    private static IngestBatch RandomBatch(Random random, ulong sequence, bool finiteOnly)
    {
        (int, long, double) Point() => (random.Next(3), random.Next(-5, 50), finiteOnly ? Walls[random.Next(4)] : Walls[random.Next(Walls.Length)]);
        return Batch(
            sequence,
            [.. Enumerable.Range(0, random.Next(4)).Select(_ => Point())],
            [.. Enumerable.Range(0, random.Next(3)).Select(_ => Point())],
            [.. Enumerable.Range(0, random.Next(3)).Select(_ => Point())]);
    }

    private static IngestBatch Batch(ulong sequence, (int Tag, long Step, double Wall)[] scalars, (int Tag, long Step, double Wall)[] histograms, (int Tag, long Step, double Wall)[] texts) => new(
        sequence,
        Tags,
        new ScalarColumns([.. scalars.Select(s => s.Tag)], [.. scalars.Select(s => s.Step)], [.. scalars.Select(_ => 1.0)], [.. scalars.Select(s => s.Wall)]),
        [.. histograms.Select(h => new HistogramPoint(h.Tag, h.Step, h.Wall, new HistogramValue(0, 1, 1, 1, 1, [1.0], [1.0])))],
        [.. texts.Select(t => new TextPoint(t.Tag, t.Step, t.Wall, "text"))],
        []);

    /// <summary>The run's last step as IngestEngine.Append found it: scalars and histograms.</summary>
    private static long ReferenceMaxStep(IngestBatch batch)
    {
        long maxStep = long.MinValue;
        foreach (long step in batch.Scalars.Steps)
        {
            maxStep = Math.Max(maxStep, step);
        }

        foreach (var h in batch.Histograms)
        {
            maxStep = Math.Max(maxStep, h.Step);
        }

        return maxStep;
    }

    private static string[] ReferenceTagsWithPoints(IngestBatch batch)
    {
        var used = new HashSet<int>([.. batch.Scalars.TagIndex, .. batch.Histograms.Select(h => h.TagIndex), .. batch.Texts.Select(t => t.TagIndex)]);
        return [.. Enumerable.Range(0, batch.Tags.Length).Where(used.Contains).Select(i => batch.Tags[i])];
    }

    private static IEnumerable<(long Step, double Wall, string Tag)> Points(IngestBatch batch) =>
        Enumerable.Range(0, batch.Scalars.Count).Select(i => (batch.Scalars.Steps[i], batch.Scalars.WallTimes[i], batch.Tags[batch.Scalars.TagIndex[i]]))
            .Concat(batch.Histograms.Select(h => (h.Step, h.WallTime, batch.Tags[h.TagIndex])))
            .Concat(batch.Texts.Select(t => (t.Step, t.WallTime, batch.Tags[t.TagIndex])));

    /// <summary>StreamProgress.Note as it walked the points.</summary>
    private sealed class ReferenceProgress
    {
        private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
        private List<string> _newTags = [];
        private long _points;
        private long? _lastStep;
        private string _lastTag = "";
        private double? _newestWallTime;

        public void Note(IngestBatch batch, int written)
        {
            _points += written;
            foreach (var (step, wallTime, tag) in Points(batch))
            {
                _lastStep = _lastStep is { } last ? Math.Max(last, step) : step;
                if (double.IsFinite(wallTime) && (_newestWallTime is not { } newest || wallTime >= newest))
                {
                    _newestWallTime = wallTime;
                    _lastTag = tag;
                }
            }

            foreach (string tag in ReferenceTagsWithPoints(batch))
            {
                if (_reported.Add(tag))
                {
                    _newTags.Add(tag);
                }
            }
        }

        public StreamDelta Take()
        {
            var delta = new StreamDelta(_points, _lastStep, _lastTag, _newestWallTime, _newTags);
            _points = 0;
            _lastStep = null;
            _newestWallTime = null;
            _newTags = [];
            return delta;
        }
    }

    /// <summary>StreamWatch.Arrived's newest point as it walked the points.</summary>
    private sealed class ReferenceWatch
    {
        public double NewestWallTime { get; private set; } = double.NegativeInfinity;

        public long LastStep { get; private set; }

        public string LastTag { get; private set; } = "";

        public void Arrived(IngestBatch batch)
        {
            foreach (var (step, wallTime, tag) in Points(batch))
            {
                if (wallTime >= NewestWallTime || !double.IsFinite(NewestWallTime))
                {
                    NewestWallTime = wallTime;
                    LastStep = step;
                    LastTag = tag;
                }
            }
        }
    }
}
