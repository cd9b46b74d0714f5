using TbBridge.TorchSharp.Internal;
using TbBridge.TorchSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Tests.Internal;

public sealed class TensorHistogramKernelTests
{
    private static readonly double[] s_defaultLimits = ReferenceHistogram.TensorFlowDefaultLimits();

    [TorchTheory]
    [InlineData(1, 10_000, TensorHistogramKernel.CpuChunk)]
    [InlineData(2, 100_003, TensorHistogramKernel.CpuChunk)]
    [InlineData(3, 7, TensorHistogramKernel.CpuChunk)]
    [InlineData(4, 100_003, 4_096)] // many chunks, the last one short
    [InlineData(5, 4_096, 4_096)]
    public void Compute_RandomFloat32WithNonFinite_MatchesReferenceExactly(int seed, int length, long chunk)
    {
        float[] values = RandomValues(new Random(seed), length);
        using var t = tensor(values);
        using var limits = tensor(s_defaultLimits);

        var result = TensorHistogramKernel.Compute(t, limits, chunk);

        AssertMatchesReference(values.Select(v => (double)v), s_defaultLimits, result);
    }

    [TorchFact]
    public void Compute_ValuesExactlyOnLimits_CountedInTheBucketAbove()
    {
        // Every limit itself, its neighbours, and the extremes: the edge rule decides each one.
        var values = new List<double>();
        foreach (double limit in s_defaultLimits)
        {
            values.Add(limit);
            values.Add(Math.BitDecrement(limit));
            values.Add(Math.BitIncrement(limit));
        }

        values.AddRange([0.0, -0.0, double.Epsilon, -double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity]);
        using var t = tensor(values.ToArray());
        using var limits = tensor(s_defaultLimits);

        var result = TensorHistogramKernel.Compute(t, limits);

        AssertMatchesReference(values, s_defaultLimits, result);
        Assert.Equal(1, result.NanCount);
        Assert.Equal(2, result.PositiveInfinityCount); // BitIncrement(MaxValue) is +Inf
        Assert.Equal(2, result.NegativeInfinityCount);
    }

    [TorchFact]
    public void Compute_CustomLimitsWithIntegerEdges_Float32AndInt64AgreeWithReference()
    {
        double[] limits = [-2, -1, 0, 1, 2];
        float[] values = [-3f, -2f, -1.5f, -1f, -0f, 0f, 0.5f, 1f, 2f, 2.5f, 1e30f, float.NaN];
        using var limitsTensor = tensor(limits);

        using var f32 = tensor(values);
        var floatResult = TensorHistogramKernel.Compute(f32, limitsTensor);
        AssertMatchesReference(values.Select(v => (double)v), limits, floatResult);
        // -3 and -2 are below/at the first limit: bucket 0 holds (-inf, -2), bucket 1 [-2, -1) ...; 2, 2.5, 1e30 at or past the last limit: last bucket.
        Assert.Equal(new long[] { 1, 2, 1, 3, 4 }, floatResult.BucketCounts);

        long[] ints = [-5, -1, 0, 0, 1, 7];
        using var i64 = tensor(ints);
        var intResult = TensorHistogramKernel.Compute(i64, limitsTensor);
        AssertMatchesReference(ints.Select(v => (double)v), limits, intResult);
    }

    [TorchFact]
    public void Compute_EmptyAndAllNaN_NoFiniteValuesAndCountsKept()
    {
        using var limits = tensor(s_defaultLimits);
        using var empty = zeros(0);
        var emptyResult = TensorHistogramKernel.Compute(empty, limits);
        Assert.Equal(0, emptyResult.FiniteCount);
        Assert.Equal(0, emptyResult.NanCount);

        using var nans = full(new long[] { 4, 5 }, float.NaN);
        var nanResult = TensorHistogramKernel.Compute(nans, limits);
        Assert.Equal(0, nanResult.FiniteCount);
        Assert.Equal(20, nanResult.NanCount);
    }

    [TorchFact]
    public void Compute_TensorRequiringGrad_LeavesNoGraphAndSameCounts()
    {
        float[] values = RandomValues(new Random(9), 1000);
        using var leaf = tensor(values, requires_grad: true);
        using var scaled = leaf * 2;
        using var limits = tensor(s_defaultLimits);

        var result = TensorHistogramKernel.Compute(scaled, limits);

        AssertMatchesReference(values.Select(v => (double)(v * 2f)), s_defaultLimits, result);
        Assert.Null(leaf.grad);
    }

    internal static float[] RandomValues(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            double u = random.NextDouble();
            values[i] = u switch
            {
                < 0.01 => float.NaN,
                < 0.015 => float.PositiveInfinity,
                < 0.02 => float.NegativeInfinity,
                < 0.05 => 0f,
                < 0.10 => (float)s_defaultLimits[random.Next(1, s_defaultLimits.Length - 1)],
                < 0.20 => (float)(random.NextDouble() * 2e-12 - 1e-12),
                _ => (float)(NormalSample(random) * Math.Pow(10, random.Next(-6, 7))),
            };
        }

        return values;
    }

    private static double NormalSample(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static void AssertMatchesReference(IEnumerable<double> values, double[] limits, TensorHistogramResult actual)
    {
        var expected = ReferenceHistogram.Compute(values, limits);
        Assert.Equal(expected.Counts, actual.BucketCounts);
        Assert.Equal(expected.Nan, actual.NanCount);
        Assert.Equal(expected.PosInf, actual.PositiveInfinityCount);
        Assert.Equal(expected.NegInf, actual.NegativeInfinityCount);
        if (actual.FiniteCount > 0)
        {
            Assert.Equal(expected.Min, actual.Min);
            Assert.Equal(expected.Max, actual.Max);
            Assert.Equal(expected.Sum, actual.Sum, Tolerance(expected.SumSquares, values.Count()));
            Assert.Equal(expected.SumSquares, actual.SumSquares, Tolerance(expected.SumSquares, values.Count()) * Math.Sqrt(expected.SumSquares + 1));
        }
    }

    // Summation order differs (pairwise on the device, in order here): allow n ulp-sized errors of the magnitude.
    private static double Tolerance(double sumSquares, int n) => 1e-15 * n * Math.Sqrt(sumSquares + 1);
}
