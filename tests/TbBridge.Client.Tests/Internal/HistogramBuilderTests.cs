using TbBridge.Internal;

namespace TbBridge.Client.Tests.Internal;

public class HistogramBuilderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(100_003)]
    public void Build_Float_MatchesANaiveCountAndExactStats(int n)
    {
        var random = new Random(n);
        float[] values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)(NextGaussian(random) * Math.Pow(10, random.Next(-3, 4)));
        }

        var h = HistogramBuilder.Build(values);

        AssertMatchesNaive(values.Select(v => (double)v).ToArray(), HistogramBuckets.DefaultLimits.ToArray(), h);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4099)]
    public void Build_Double_MatchesANaiveCountAndExactStats(int n)
    {
        var random = new Random(n);
        double[] values = Enumerable.Range(0, n).Select(_ => NextGaussian(random) * 1e5).ToArray();

        var h = HistogramBuilder.Build(values);

        AssertMatchesNaive(values, HistogramBuckets.DefaultLimits.ToArray(), h);
    }

    [Fact]
    public void Build_WithNaNAndInfinities_CountsThemAndLeavesThemOut()
    {
        float[] values = [1f, float.NaN, -2f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 3f, float.NegativeInfinity];

        var h = HistogramBuilder.Build(values);

        Assert.Equal(2, h.NanCount);
        Assert.Equal(1, h.PositiveInfinityCount);
        Assert.Equal(2, h.NegativeInfinityCount);
        Assert.Equal(3, h.InfinityCount);
        Assert.Equal(3, h.Num);
        Assert.Equal(-2, h.Min);
        Assert.Equal(3, h.Max);
        Assert.Equal(2, h.Sum);
        Assert.Equal(14, h.SumSquares);
        Assert.Equal(3, h.BucketCounts.Sum());
        AssertMatchesNaive([1, -2, 3], HistogramBuckets.DefaultLimits.ToArray(), h);
    }

    [Fact]
    public void Build_NaNsLateInALongSpan_AreFoundAfterTheFastPathStarted()
    {
        double[] values = Enumerable.Range(0, 50_000).Select(i => (double)i).ToArray();
        values[49_999] = double.NaN;

        var h = HistogramBuilder.Build(values);

        Assert.Equal(1, h.NanCount);
        Assert.Equal(49_999, h.Num);
        Assert.Equal(49_998, h.Max);
    }

    [Fact]
    public void Build_OnlyNonFinite_IsEmptyButCounted()
    {
        var h = HistogramBuilder.Build([double.NaN, double.PositiveInfinity]);

        Assert.True(h.IsEmpty);
        Assert.Equal(0, h.Num);
        Assert.Equal(1, h.NanCount);
        Assert.Equal(1, h.PositiveInfinityCount);
    }

    [Fact]
    public void Build_Empty_IsEmpty()
    {
        Assert.True(HistogramBuilder.Build(ReadOnlySpan<float>.Empty).IsEmpty);
    }

    [Fact]
    public void Build_DoubleMaxValue_LandsInTheLastBucket()
    {
        var h = HistogramBuilder.Build([double.MaxValue, 1.0]);

        Assert.Equal(double.MaxValue, h.BucketLimits[^1]);
        Assert.Equal(2, h.Num);
        Assert.Equal(1, h.BucketCounts[^1]);
    }

    [Fact]
    public void Build_WithExplicitLimits_UsesThemAndClampsOutliers()
    {
        double[] limits = [0, 1, 2, 3];
        float[] values = [-5f, 0.5f, 0.5f, 1f, 2.5f, 10f];

        var h = HistogramBuilder.Build(values, limits);

        AssertMatchesNaive(values.Select(v => (double)v).ToArray(), limits, h);
        Assert.Equal(6, h.Num);
    }

    internal static void AssertMatchesNaive(double[] values, double[] limits, HistogramData h)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        long[] counts = new long[limits.Length];
        foreach (double v in finite)
        {
            int b = Array.FindIndex(limits, l => l > v);
            counts[b < 0 ? limits.Length - 1 : b]++;
        }

        Assert.Equal(finite.Length, h.Num);
        Assert.Equal(finite.Min(), h.Min);
        Assert.Equal(finite.Max(), h.Max);
        double sum = finite.Sum();
        double sq = finite.Sum(v => v * v);
        Assert.Equal(sum, h.Sum, Math.Abs(sq) * 1e-12 + 1e-9);
        Assert.Equal(sq, h.SumSquares, sq * 1e-12);

        // Expand the compacted buckets back over the full limits and compare bucket by bucket.
        long[] expanded = new long[limits.Length];
        int prev = -1;
        for (int i = 0; i < h.BucketLimits.Count; i++)
        {
            int at = Array.IndexOf(limits, h.BucketLimits[i]);
            Assert.True(at > prev, "compacted limits must be a rising subset of the full limits");
            if (h.BucketCounts[i] != 0)
            {
                Assert.Equal(prev + 1, at); // a non-empty bucket keeps its own edges
                expanded[at] = (long)h.BucketCounts[i];
            }

            prev = at;
        }

        Assert.Equal(counts, expanded);
        Assert.NotEqual(0, h.BucketCounts[^1]); // no trailing empty buckets
    }

    internal static double NextGaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
