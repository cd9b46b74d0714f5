using TbBridge.Events.Tests.Support;
using TbBridge.Testing;

namespace TbBridge.Events.Tests;

/// <summary>Golden files from PyTorch's writer and TensorBoard's own writer.</summary>
public class ReferenceRecordsTests
{
    private static Dictionary<string, List<(long Step, SummaryValue Value)>> ReadTags(string runDirectory)
    {
        var run = LogDirectory.DiscoverRuns(runDirectory).Single(r => r.Name == ".");
        var errors = new List<EventReadError>();
        var tags = RunReader.ReadRun(run, errors)
            .SelectMany(e => e.Values.Select(v => (e.Step, Value: v)))
            .GroupBy(p => p.Value.Tag)
            .ToDictionary(g => g.Key, g => g.ToList());
        Assert.Empty(errors);
        return tags;
    }

    [Fact]
    public void ReadRun_PyTorchScalars_ExactValuesIncludingNonFinite()
    {
        var tags = ReadTags(Path.Combine(RepoPaths.ReferenceRecords, "pytorch"));

        Assert.Equal([(0L, 0.0), (1, 0.5), (2, 1.0), (3, 1.5), (4, 2.0)], tags["scalar/plain"].Select(p => (p.Step, p.Value.Scalar)));
        Assert.True(double.IsNaN(Assert.Single(tags["scalar/nan"]).Value.Scalar));
        Assert.Equal(5, tags["scalar/nan"][0].Step);
        Assert.Equal((6L, double.PositiveInfinity), (tags["scalar/inf"][0].Step, tags["scalar/inf"][0].Value.Scalar));
        Assert.Equal((7L, double.NegativeInfinity), (tags["scalar/neg_inf"][0].Step, tags["scalar/neg_inf"][0].Value.Scalar));
    }

    [Fact]
    public void ReadRun_PyTorchHistograms_RawAndComputed()
    {
        var tags = ReadTags(Path.Combine(RepoPaths.ReferenceRecords, "pytorch"));

        var raw = Assert.Single(tags["hist/raw"]).Value;
        Assert.Equal(ValueKind.Histogram, raw.Kind);
        Assert.Equal((-1.0, 1.0, 4.0, 0.0, 2.0), (raw.Histogram!.Min, raw.Histogram.Max, raw.Histogram.Num, raw.Histogram.Sum, raw.Histogram.SumSquares));
        Assert.Equal([-0.5, 0, 0.5, 1], raw.Histogram.BucketLimits);
        Assert.Equal([1.0, 1, 1, 1], raw.Histogram.BucketCounts);

        var normal = tags["hist/normal"][0].Value.Histogram!;
        Assert.Equal(10_000, normal.Num);
        Assert.Equal(10_000, normal.BucketCounts.Sum());
    }

    [Fact]
    public void ReadRun_PyTorchText_IsTextKindWithContent()
    {
        var tags = ReadTags(Path.Combine(RepoPaths.ReferenceRecords, "pytorch"));

        var text = Assert.Single(tags["notes/text_summary"]).Value;
        Assert.Equal(ValueKind.Text, text.Kind);
        Assert.Equal("text", text.PluginName);
        Assert.False(string.IsNullOrEmpty(text.Text));
    }

    [Fact]
    public void DiscoverRuns_PyTorchReference_FindsScalarsGroupAndHparamsSubRuns()
    {
        var names = LogDirectory.DiscoverRuns(Path.Combine(RepoPaths.ReferenceRecords, "pytorch")).Select(r => r.Name).ToList();

        Assert.Contains(".", names);
        Assert.Contains("group_train", names);
        Assert.Contains("group_val", names);
        Assert.Contains(names, n => n.StartsWith("hparams-run", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadRun_TensorBoardWriter_Tf2TensorScalarsAreScalars()
    {
        var tags = ReadTags(Path.Combine(RepoPaths.ReferenceRecords, "tensorboard-writer"));

        var points = tags["tf2/scalar"];
        Assert.All(points, p => Assert.Equal(ValueKind.Scalar, p.Value.Kind));
        Assert.Equal(Enumerable.Range(0, 5).Select(s => (float)(1.0 / (s + 1))), points.Select(p => (float)p.Value.Scalar));
        Assert.Equal([0L, 1, 2, 3, 4], points.Select(p => p.Step));
        var nan = Assert.Single(tags["tf2/nan"]);
        Assert.Equal((5L, ValueKind.Scalar), (nan.Step, nan.Value.Kind));
        Assert.True(double.IsNaN(nan.Value.Scalar));
    }
}
