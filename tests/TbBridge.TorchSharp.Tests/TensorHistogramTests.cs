using TbBridge.Events;
using TbBridge.TorchSharp.Tests.Internal;
using TbBridge.TorchSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using TbBridge.Testing;

namespace TbBridge.TorchSharp.Tests;

public sealed class TensorHistogramTests
{
    [TorchTheory]
    [InlineData(11, 50_000)]
    [InlineData(12, 999)]
    [InlineData(13, 1)]
    public async Task AddHistogram_RandomFloat32Tensor_SameHistogramAsSpanOverload(int seed, int length)
    {
        float[] values = TensorHistogramKernelTests.RandomValues(new Random(seed), length);
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink], WriteEventFiles = false }))
        {
            using var t = tensor(values).reshape(1, length);
            writer.AddHistogram("span", values.AsSpan(), 3);
            writer.AddHistogram("tensor", t, 3);
        }

        AssertSameHistogram(sink.Single("span").Histogram!, sink.Single("tensor").Histogram!);
    }

    [TorchTheory]
    [InlineData(31, 200_000)]
    [InlineData(32, 5_000_001)] // more than one CPU chunk
    public async Task Compute_TorchOpsPath_SameHistogramAsSpanOverload(int seed, int length)
    {
        // TensorHistogram.Compute always reduces with torch ops (the GPU path), whatever the device.
        float[] values = TensorHistogramKernelTests.RandomValues(new Random(seed), length);
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink], WriteEventFiles = false }))
        {
            using var t = tensor(values);
            writer.AddHistogram("span", values.AsSpan(), 0);
            writer.AddHistogramRaw("torch", TensorHistogram.Compute(t), 0);
        }

        AssertSameHistogram(sink.Single("span").Histogram!, sink.Single("torch").Histogram!);
    }

    [TorchFact]
    public async Task AddHistogram_HalfTransposedAndSlicedTensors_SameHistogramAsSpanOverloadOfTheirValues()
    {
        float[] values = TensorHistogramKernelTests.RandomValues(new Random(33), 64 * 100);
        using var half = tensor(values).to_type(ScalarType.Float16);
        using var widened = half.to_type(ScalarType.Float32);
        float[] halfValues = widened.data<float>().ToArray();
        using var all = tensor(values);
        using var transposed = all.reshape(64, 100).t(); // not contiguous
        using var slice = all.narrow(0, 1000, 3000); // contiguous, at an offset into its storage
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink], WriteEventFiles = false }))
        {
            writer.AddHistogram("half/span", halfValues.AsSpan(), 0);
            writer.AddHistogram("half/tensor", half, 0);
            writer.AddHistogram("t/span", values.AsSpan(), 0);
            writer.AddHistogram("t/tensor", transposed, 0);
            writer.AddHistogram("slice/span", values.AsSpan(1000, 3000), 0);
            writer.AddHistogram("slice/tensor", slice, 0);
        }

        AssertSameHistogram(sink.Single("half/span").Histogram!, sink.Single("half/tensor").Histogram!);
        AssertSameHistogram(sink.Single("t/span").Histogram!, sink.Single("t/tensor").Histogram!);
        AssertSameHistogram(sink.Single("slice/span").Histogram!, sink.Single("slice/tensor").Histogram!);
    }

    [TorchFact]
    public async Task AddHistogram_Float64TensorWithCustomLimits_SameHistogramAsSpanOverload()
    {
        var random = new Random(5);
        double[] values = [.. Enumerable.Range(0, 20_000).Select(i => i % 97 == 0 ? double.NaN : Math.Round(random.NextDouble() * 10 - 5, 1))];
        double[] limits = [-4, -2, -1, -0.5, 0, 0.5, 1, 2, 4];
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink], WriteEventFiles = false }))
        {
            using var t = tensor(values);
            writer.AddHistogram("span", values.AsSpan(), limits, 0);
            writer.AddHistogram("tensor", t, limits, 0);
        }

        var span = sink.Single("span").Histogram!;
        AssertSameHistogram(span, sink.Single("tensor").Histogram!);
        Assert.Equal(values.Count(double.IsNaN), span.NanCount);
    }

    [TorchFact]
    public void Compute_HalfPrecisionTensor_SameCountsAsItsFloat32Values()
    {
        float[] values = TensorHistogramKernelTests.RandomValues(new Random(21), 10_000);
        using var half = tensor(values).to_type(ScalarType.Float16);
        using var widened = half.to_type(ScalarType.Float32);
        float[] halfValues = widened.data<float>().ToArray();

        var fromHalf = TensorHistogram.Compute(half);

        var expected = ReferenceHistogram.Compute(halfValues.Select(v => (double)v), ReferenceHistogram.TensorFlowDefaultLimits());
        Assert.Equal(expected.Counts.Sum(), (long)fromHalf.Num);
        Assert.Equal(expected.Nan, fromHalf.NanCount);
        Assert.Equal(expected.PosInf + expected.NegInf, fromHalf.InfinityCount);
        Assert.Equal(expected.Min, fromHalf.Min);
        Assert.Equal(expected.Max, fromHalf.Max);
    }

    [TorchFact]
    public void Compute_LimitsNotAscending_Throws()
    {
        using var t = ones(3);
        Assert.Throws<ArgumentException>(() => TensorHistogram.Compute(t, [1.0, 1.0]));
        Assert.Throws<ArgumentException>(() => TensorHistogram.Compute(t, ReadOnlySpan<double>.Empty));
    }

    [TorchFact]
    public async Task AddHistogram_Tensor_EventFileHoldsTheSpanPathsBuckets()
    {
        float[] values = TensorHistogramKernelTests.RandomValues(new Random(77), 5_000);
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink] }))
        {
            using var t = tensor(values);
            writer.AddHistogram("span", values.AsSpan(), 7);
            writer.AddHistogram("weights/layer", t, 7);
        }

        // Read the file back through the Events reader, not through anything this package wrote.
        var run = Assert.Single(LogDirectory.DiscoverRuns(folder.Path));
        var errors = new List<EventReadError>();
        var fromFile = RunReader.ReadRun(run, errors)
            .SelectMany(e => e.Values.Select(v => (e.Step, Value: v)))
            .Single(x => x.Value.Tag == "weights/layer");
        Assert.Empty(errors);
        Assert.Equal(7, fromFile.Step);
        Assert.Equal(ValueKind.Histogram, fromFile.Value.Kind);
        var span = sink.Single("span").Histogram!;
        var h = fromFile.Value.Histogram!;
        Assert.Equal(span.BucketLimits, h.BucketLimits);
        Assert.Equal(span.BucketCounts, h.BucketCounts);
        Assert.Equal(span.Num, h.Num);
        Assert.Equal(span.Min, h.Min);
        Assert.Equal(span.Max, h.Max);
    }

    internal static void AssertSameHistogram(HistogramData expected, HistogramData actual)
    {
        Assert.Equal(expected.BucketLimits, actual.BucketLimits);
        Assert.Equal(expected.BucketCounts, actual.BucketCounts);
        Assert.Equal(expected.Num, actual.Num);
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
        Assert.Equal(expected.NanCount, actual.NanCount);
        Assert.Equal(expected.PositiveInfinityCount, actual.PositiveInfinityCount);
        Assert.Equal(expected.NegativeInfinityCount, actual.NegativeInfinityCount);
        double scale = Math.Sqrt(expected.SumSquares) * Math.Sqrt(expected.Num + 1);
        Assert.Equal(expected.Sum, actual.Sum, 1e-12 * (scale + 1));
        Assert.Equal(expected.SumSquares, actual.SumSquares, 1e-12 * (expected.SumSquares + 1));
    }
}
