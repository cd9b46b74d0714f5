using TbBridge.Client.Tests.Support;
using TbBridge.Events;
using TbBridge.Testing;

namespace TbBridge.Client.Tests;

public class HistogramBucketsTests
{
    [Fact]
    public void DefaultLimits_AreTensorFlowsEdges_SymmetricAroundZeroWithOuterMaxValues()
    {
        var limits = HistogramBuckets.DefaultLimits;

        Assert.Equal(1551, limits.Length);
        Assert.Equal(-double.MaxValue, limits[0]);
        Assert.Equal(double.MaxValue, limits[^1]);
        Assert.Equal(0.0, limits[775]);
        Assert.Equal(1e-12, limits[776]);
        Assert.Equal(-1e-12, limits[774]);
        for (int i = 1; i < limits.Length; i++)
        {
            Assert.True(limits[i] > limits[i - 1]);
            Assert.Equal(-limits[i], limits[limits.Length - 1 - i]);
        }

        Assert.True(limits[^2] < 1e20 && limits[^2] * 1.1 >= 1e20);
    }

    [Fact]
    public void DefaultLimits_ContainEveryLimitPyTorchWroteInTheReferenceHistograms()
    {
        string dir = Path.Combine(RepoPaths.ReferenceRecords, "pytorch");
        var run = LogDirectory.DiscoverRuns(dir).Single(r => r.Name == ".");
        var histograms = RunReader.ReadRun(run).SelectMany(e => e.Values)
            .Where(v => v.Tag is "hist/normal" or "hist/tensorflow_bins").Select(v => v.Histogram!).ToList();
        var ours = new HashSet<double>(HistogramBuckets.DefaultLimits.ToArray());

        Assert.Equal(2, histograms.Count);
        foreach (var h in histograms)
        {
            Assert.NotEmpty(h.BucketLimits);
            Assert.All(h.BucketLimits, l => Assert.Contains(l, ours)); // bit-exact: same ×1.1 arithmetic
        }
    }

    [Theory]
    [InlineData(0.0, 776)]
    [InlineData(1e-13, 776)]
    [InlineData(-1e-13, 775)]
    [InlineData(1e-12, 777)]
    [InlineData(-1e-12, 775)]
    [InlineData(double.MaxValue, 1550)]
    [InlineData(-double.MaxValue, 1)]
    [InlineData(1e30, 1550)]
    public void FindBucket_CountsAValueInTheFirstBucketWhoseLimitIsAboveIt(double value, int expected)
    {
        Assert.Equal(expected, HistogramBuckets.FindBucket(HistogramBuckets.DefaultLimits, value));
    }

    [Fact]
    public void FindBucket_NegativeZero_CountsAsZero()
    {
        Assert.Equal(776, HistogramBuckets.FindBucket(HistogramBuckets.DefaultLimits, -0.0));
    }

    [Fact]
    public void FindBucket_ValueAtOrAboveTheLastLimit_GoesToTheLastBucket()
    {
        double[] limits = [0, 1, 2];

        Assert.Equal(0, HistogramBuckets.FindBucket(limits, -5));
        Assert.Equal(1, HistogramBuckets.FindBucket(limits, 0));
        Assert.Equal(2, HistogramBuckets.FindBucket(limits, 1.5));
        Assert.Equal(2, HistogramBuckets.FindBucket(limits, 2));
        Assert.Equal(2, HistogramBuckets.FindBucket(limits, 99));
    }

    [Fact]
    public void FromCounts_CompactsAndSumsNum()
    {
        double[] limits = [0, 1, 2, 3, 4, 5, 6];
        long[] counts = [0, 0, 3, 0, 0, 2, 0];

        var h = HistogramData.FromCounts(limits, counts, min: 1.2, max: 4.5, sum: 8, sumSquares: 30, nanCount: 1);

        Assert.Equal(5, h.Num);
        Assert.Equal([1.0, 2, 4, 5], h.BucketLimits);
        Assert.Equal([0.0, 3, 0, 2], h.BucketCounts);
        Assert.Equal(1, h.NanCount);
    }

    [Fact]
    public void Create_RejectsMismatchedOrUnsortedInput()
    {
        Assert.Throws<ArgumentException>(() => HistogramData.Create(0, 1, 1, 1, 1, [1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => HistogramData.Create(0, 1, 1, 1, 1, [2.0, 1.0], [1.0, 0]));
        Assert.Throws<ArgumentException>(() => HistogramData.Create(0, 1, 1, 1, 1, [1.0], [-1.0]));
    }
}
