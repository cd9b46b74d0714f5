using Microsoft.Extensions.Time.Testing;
using TbBridge.Client.Tests.Support;
using TbBridge.Events;
using TbBridge.Testing;

namespace TbBridge.Client.Tests;

public class SummaryWriterTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 18, 0, 0, 250, TimeSpan.Zero);

    [Fact]
    public void AddScalar_ThenDispose_EveryPointReadsBackWithStepValueAndSubSecondWallTime()
    {
        using var temp = new TempFolder();
        var clock = new FakeTimeProvider(Start);
        using (var writer = new SummaryWriter(temp.Path, new SummaryWriterOptions { TimeProvider = clock }))
        {
            for (long step = 0; step < 100; step++)
            {
                writer.AddScalar("train/loss", 1.0 / (step + 1), step);
                writer.AddScalar("train/lr", 0.5f, step * 1_000_000_000_000L);
                clock.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        var events = ReadBack.Runs(temp.Path)["."];
        var loss = ReadBack.Scalars(events, "train/loss");
        Assert.Equal(100, loss.Count);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(i, loss[i].Step);
            Assert.Equal((float)(1.0 / (i + 1)), loss[i].Value);
        }

        Assert.Equal(99_000_000_000_000L, ReadBack.Scalars(events, "train/lr")[^1].Step);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        double firstWall = events.First(e => e.Values.Count > 0).WallTime;
        Assert.Equal((Start - DateTimeOffset.UnixEpoch).TotalSeconds, firstWall, 6);
        Assert.Equal(0.25, firstWall - Math.Floor(firstWall), 3);
    }

    [Fact]
    public async Task AddScalar_WithTheSystemClock_StampsTheCurrentTimeToTheMillisecondTick()
    {
        var sink = new RecordingSink();
        double before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        await using (var writer = new SummaryWriter("unused", new SummaryWriterOptions { WriteEventFiles = false, Sinks = [sink] }))
        {
            for (int i = 0; i < 1000; i++)
            {
                writer.AddScalar("x", i, i);
            }
        }

        double after = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1) / 1000.0;
        var walls = sink.Points.Select(p => p.WallTime).ToList();
        Assert.All(walls, w => Assert.InRange(w, before, after));
        Assert.Equal(walls.Order(), walls); // never goes back
    }

    [Fact]
    public void AddScalar_NaNAndInfinities_AreWrittenAsIs()
    {
        using var temp = new TempFolder();
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddScalar("x", double.NaN, 1);
            writer.AddScalar("x", double.PositiveInfinity, 2);
            writer.AddScalar("x", double.NegativeInfinity, 3);
        }

        var x = ReadBack.Scalars(ReadBack.Runs(temp.Path)["."], "x");
        Assert.True(double.IsNaN(x[0].Value));
        Assert.Equal(double.PositiveInfinity, x[1].Value);
        Assert.Equal(double.NegativeInfinity, x[2].Value);
    }

    [Fact]
    public void AddHistogram_ReadsBackWithExactStatsAndCounts()
    {
        using var temp = new TempFolder();
        var random = new Random(1);
        float[] values = Enumerable.Range(0, 10_000).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddHistogram("weights/fc1", values, 20);
        }

        var events = ReadBack.Runs(temp.Path)["."];
        var value = events.SelectMany(e => e.Values).Single(v => v.Tag == "weights/fc1");
        var step = events.Single(e => e.Values.Contains(value)).Step;
        Assert.Equal(ValueKind.Histogram, value.Kind);
        Assert.Equal(20, step);
        var h = value.Histogram!;
        Assert.Equal(values.Min(), h.Min);
        Assert.Equal(values.Max(), h.Max);
        Assert.Equal(10_000, h.Num);
        Assert.Equal(values.Sum(v => (double)v), h.Sum, 1e-6);
        Assert.Equal(values.Sum(v => (double)v * v), h.SumSquares, 1e-6);
        Assert.Equal(10_000, h.BucketCounts.Sum());
        Assert.Equal(0, h.BucketCounts[0]); // the empty left neighbour that carries the data's left edge
        Assert.DoesNotContain(events.SelectMany(e => e.Values), v => v.Tag.StartsWith("weights/fc1/", StringComparison.Ordinal));
    }

    [Fact]
    public void AddHistogram_WithNaNAndInf_NeverThrows_AndWritesTheCountsBesideIt()
    {
        using var temp = new TempFolder();
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddHistogram("grads/w", [1f, float.NaN, float.PositiveInfinity, 2f, float.NegativeInfinity, float.NaN], 5);
            writer.AddHistogram("grads/w", [1f, 2f], 6);               // counts keep coming once a tag had non-finite values
            writer.AddHistogram("grads/w", [double.NaN, double.NaN], 7); // nothing finite: no histogram, counts only
            writer.AddHistogram("grads/ok", [1.0, 2.0], 7);
        }

        var events = ReadBack.Runs(temp.Path)["."];
        Assert.Equal([(5L, 2.0), (6L, 0.0), (7L, 2.0)], ReadBack.Scalars(events, "grads/w/nan_count"));
        Assert.Equal([(5L, 2.0), (6L, 0.0), (7L, 0.0)], ReadBack.Scalars(events, "grads/w/inf_count"));
        var histogramSteps = events.Where(e => e.Values.Any(v => v.Tag == "grads/w" && v.Kind == ValueKind.Histogram)).Select(e => e.Step);
        Assert.Equal([5L, 6L], histogramSteps);
        var first = events.SelectMany(e => e.Values).First(v => v.Tag == "grads/w").Histogram!;
        Assert.Equal(2, first.Num);
        Assert.Equal(3, first.Sum);
        Assert.Empty(ReadBack.Scalars(events, "grads/ok/nan_count"));
    }

    [Fact]
    public void AddHistogramRaw_IsWrittenExactlyAsGiven()
    {
        using var temp = new TempFolder();
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddHistogramRaw("hist/raw", -1, 1, 4, 0, 2, [-0.5, 0, 0.5, 1], [1, 1, 1, 1], 2);
        }

        var h = ReadBack.Runs(temp.Path)["."].SelectMany(e => e.Values).Single(v => v.Tag == "hist/raw").Histogram!;
        Assert.Equal((-1.0, 1.0, 4.0, 0.0, 2.0), (h.Min, h.Max, h.Num, h.Sum, h.SumSquares));
        Assert.Equal([-0.5, 0, 0.5, 1], h.BucketLimits);
        Assert.Equal([1.0, 1, 1, 1], h.BucketCounts);
    }

    [Fact]
    public void AddText_ReadsBackAsTextPluginValue()
    {
        using var temp = new TempFolder();
        const string markdown = "**bold** and a [link](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 | ✓";
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddText("notes", markdown, 3);
        }

        var events = ReadBack.Runs(temp.Path)["."];
        var value = events.SelectMany(e => e.Values).Single(v => v.Tag == "notes/text_summary");
        Assert.Equal(ValueKind.Text, value.Kind);
        Assert.Equal("text", value.PluginName);
        Assert.Equal(markdown, value.Text);
        Assert.Equal(3, events.Single(e => e.Values.Contains(value)).Step);
    }

    [Fact]
    public void AddScalars_WritesOneSubRunPerKey_WithTheMainTag()
    {
        using var temp = new TempFolder();
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddScalars("loss/group", new Dictionary<string, double> { ["train"] = 1.0, ["val"] = 2.0 }, 0);
            writer.AddScalars("loss/group", new Dictionary<string, double> { ["train"] = 0.5, ["val"] = 1.5 }, 1);
        }

        var runs = ReadBack.Runs(temp.Path);
        Assert.Equal(["."], runs.Keys.Where(k => k == ".").ToList());
        Assert.Equal([(0L, 1.0), (1L, 0.5)], ReadBack.Scalars(runs["loss_group_train"], "loss/group"));
        Assert.Equal([(0L, 2.0), (1L, 1.5)], ReadBack.Scalars(runs["loss_group_val"], "loss/group"));
    }

    [Fact]
    public void AddHparams_WritesTheSessionRunWithMetrics()
    {
        using var temp = new TempFolder();
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddHparams(
                new Dictionary<string, HparamValue> { ["lr"] = 1e-3, ["optimizer"] = "adam", ["layers"] = 3, ["clip"] = true },
                new Dictionary<string, double> { ["hparam/val_loss"] = 0.25, ["hparam/val_acc"] = 0.9 },
                runName: "hparams-run");
        }

        var run = ReadBack.Runs(temp.Path)["hparams-run"];
        var tags = run.SelectMany(e => e.Values).Select(v => (v.Tag, v.PluginName)).ToList();
        Assert.Equal(
            [(HparamsData.ExperimentTag, "hparams"), (HparamsData.SessionStartInfoTag, "hparams"), (HparamsData.SessionEndInfoTag, "hparams"), ("hparam/val_loss", null), ("hparam/val_acc", null)],
            tags);
        Assert.Equal([(0L, 0.25)], ReadBack.Scalars(run, "hparam/val_loss"));
        Assert.Equal([(0L, (double)0.9f)], ReadBack.Scalars(run, "hparam/val_acc"));
    }

    [Fact]
    public void Constructor_CreatesTheMainEventFileAtOnce_WithSuffix()
    {
        using var temp = new TempFolder();
        string dir = temp.Combine("run1");
        using var writer = new SummaryWriter(dir, new SummaryWriterOptions { FileNameSuffix = ".v2", HostName = "box" });

        string file = Assert.Single(Directory.GetFiles(dir));
        Assert.Matches(@"events\.out\.tfevents\.\d+\.box\.\d+\.\d+\.v2$", file);
        Assert.Equal(dir, writer.LogDir);
    }

    [Fact]
    public void AddScalars_KeyLeavingTheLogDirectory_IsRejected()
    {
        using var temp = new TempFolder();
        using var writer = new SummaryWriter(temp.Path);

        Assert.Throws<ArgumentException>(() => writer.AddScalars("g", new Dictionary<string, double> { ["/../../x"] = 1 }, 0));
        Assert.Throws<ArgumentException>(() => writer.AddHparams(new Dictionary<string, HparamValue>(), new Dictionary<string, double>(), "../escape"));
    }
}
