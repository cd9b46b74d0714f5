namespace TbBridge.Server.Internal.Ingest;

/// <summary>One histogram in TensorBoard's bucket layout.</summary>
internal sealed record HistogramPoint(
    int TagIndex,
    long Step,
    double WallTime,
    double Min,
    double Max,
    double Num,
    double Sum,
    double SumSquares,
    double[] BucketLimits,
    double[] Buckets);
