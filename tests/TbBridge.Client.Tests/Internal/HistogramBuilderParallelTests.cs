using TbBridge.Internal;

namespace TbBridge.Client.Tests.Internal;

/// <summary>A span split over the cores gives the histogram of the whole span.</summary>
public class HistogramBuilderParallelTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void BuildParallel_FloatsWithNonFiniteAndEdgeValues_SameAsSequentialAndNaive(int chunks)
    {
        float[] values = Values(new Random(chunks), 300_001).Select(v => (float)v).ToArray();

        var parallel = HistogramBuilder.BuildParallel(values, default, useDefault: true, chunks);
        var sequential = HistogramBuilder.BuildSequential(values, default, useDefault: true);

        HistogramBuilderTests.AssertMatchesNaive([.. values.Select(v => (double)v)], HistogramBuckets.DefaultLimits.ToArray(), parallel);
        AssertSame(sequential, parallel);
    }

    [Fact]
    public void BuildParallel_DoublesWithMaxValueAndExplicitLimits_SameAsSequential()
    {
        double[] values = Values(new Random(11), 200_000);
        values[^1] = double.MaxValue; // only the last chunk's table lookup must step aside for it
        double[] limits = [-1000, -1, 0, 0.5, 1, 10, 1e6];

        AssertSame(HistogramBuilder.BuildSequential(values, default, useDefault: true), HistogramBuilder.BuildParallel(values, default, useDefault: true, 4));
        AssertSame(HistogramBuilder.BuildSequential(values, limits, useDefault: false), HistogramBuilder.BuildParallel(values, limits, useDefault: false, 3));
        HistogramBuilderTests.AssertMatchesNaive(values, limits, HistogramBuilder.BuildParallel(values, limits, useDefault: false, 3));
    }

    [Fact]
    public void BuildParallel_OneChunkOnlyNaN_MergesTheOthersAndCountsTheNaNs()
    {
        float[] values = Values(new Random(5), 90_000).Select(v => (float)v).ToArray();
        values.AsSpan(0, 30_000).Fill(float.NaN);

        var h = HistogramBuilder.BuildParallel(values, default, useDefault: true, 3);

        AssertSame(HistogramBuilder.BuildSequential(values, default, useDefault: true), h);
        Assert.True(h.NanCount >= 30_000);
    }

    [Fact]
    public void BuildParallel_NothingFinite_IsEmptyButCounted()
    {
        double[] values = [.. Enumerable.Repeat(double.NaN, 10), .. Enumerable.Repeat(double.PositiveInfinity, 4), .. Enumerable.Repeat(double.NegativeInfinity, 2)];

        var h = HistogramBuilder.BuildParallel(values, default, useDefault: true, 3);

        Assert.True(h.IsEmpty);
        Assert.Equal((10, 4, 2), (h.NanCount, h.PositiveInfinityCount, h.NegativeInfinityCount));
    }

    [Fact]
    public void Build_SpanOfSeveralChunks_IsSplitWhereThereAreCoresAndMatchesTheNaiveCount()
    {
        float[] values = Values(new Random(3), (3 * HistogramBuilder.ParallelChunk) + 17).Select(v => (float)v).ToArray();

        var h = HistogramBuilder.Build(values);

        HistogramBuilderTests.AssertMatchesNaive([.. values.Select(v => (double)v)], HistogramBuckets.DefaultLimits.ToArray(), h);
    }

    private static void AssertSame(HistogramData expected, HistogramData actual)
    {
        Assert.Equal(expected.BucketLimits, actual.BucketLimits);
        Assert.Equal(expected.BucketCounts, actual.BucketCounts);
        Assert.Equal((expected.Num, expected.Min, expected.Max), (actual.Num, actual.Min, actual.Max));
        Assert.Equal((expected.NanCount, expected.PositiveInfinityCount, expected.NegativeInfinityCount), (actual.NanCount, actual.PositiveInfinityCount, actual.NegativeInfinityCount));
        Assert.Equal(expected.Sum, actual.Sum, 1e-12 * (expected.SumSquares + 1));
        Assert.Equal(expected.SumSquares, actual.SumSquares, 1e-12 * (expected.SumSquares + 1));
    }

    // Gaussians over seven decades, values exactly on bucket limits, exact zeros, and NaN/±Inf sprinkled in.
    private static double[] Values(Random random, int n)
    {
        var limits = HistogramBuckets.DefaultLimits.ToArray();
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (i % 97) switch
            {
                0 => limits[random.Next(1, limits.Length - 1)],
                1 => 0,
                2 => double.NaN,
                3 => random.Next(2) == 0 ? double.PositiveInfinity : double.NegativeInfinity,
                _ => HistogramBuilderTests.NextGaussian(random) * Math.Pow(10, random.Next(-3, 4)),
            };
        }

        return values;
    }
}
