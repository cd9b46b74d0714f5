namespace TbBridge.TorchSharp.Internal;

/// <summary>What <see cref="TensorHistogramKernel"/> brings back: counts per bucket and the finite values' statistics.</summary>
internal sealed record TensorHistogramResult(
    long[] BucketCounts,
    double Min,
    double Max,
    double Sum,
    double SumSquares,
    long NanCount,
    long PositiveInfinityCount,
    long NegativeInfinityCount)
{
    /// <summary>Number of finite values (the sum of the bucket counts).</summary>
    public long FiniteCount => BucketCounts.Sum();
}
