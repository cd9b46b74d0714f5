using TbBridge.Internal;

namespace TbBridge.Client.Tests.Internal;

public class HistogramCompactorTests
{
    [Fact]
    public void Compact_KeepsOneEmptyBucketBeforeTheData_MergesInnerRuns_DropsTheTail()
    {
        double[] limits = [10, 20, 30, 40, 50, 60, 70, 80];
        long[] counts = [0, 0, 5, 0, 0, 0, 1, 0];

        var (l, c) = HistogramCompactor.Compact(limits, counts);

        Assert.Equal([20.0, 30, 60, 70], l);
        Assert.Equal([0.0, 5, 0, 1], c);
    }

    [Fact]
    public void Compact_DataInTheFirstBucket_HasNoLeadingEmptyBucket()
    {
        var (l, c) = HistogramCompactor.Compact([1.0, 2, 3], [4L, 4, 0]);

        Assert.Equal([1.0, 2], l);
        Assert.Equal([4.0, 4], c);
    }

    [Fact]
    public void Compact_AllEmpty_IsEmpty()
    {
        var (l, c) = HistogramCompactor.Compact([1.0, 2], [0L, 0]);

        Assert.Empty(l);
        Assert.Empty(c);
    }
}
