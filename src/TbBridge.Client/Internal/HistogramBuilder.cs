using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TbBridge.Internal;

/// <summary>
/// Buckets values during the call (a large span split over the thread pool), so only the small result is queued. Min, max, num, sum and
/// sum of squares are exact double-precision sums over the finite values (vectorised); NaN, +Inf and −Inf
/// are counted and left out. Counting follows <see cref="HistogramBuckets.FindBucket"/>; with the default
/// limits a table lookup replaces the binary search. The on-device path in TbBridge.TorchSharp must match
/// this class bucket for bucket (it uses the same limits and rule through <see cref="HistogramData.FromCounts"/>).
/// </summary>
internal static partial class HistogramBuilder
{
    private const int Lanes = 4; // interleaved counters break the store-to-load chain on repeated buckets

    internal static HistogramData Build(ReadOnlySpan<float> values) => Build(values, default, useDefault: true);

    internal static HistogramData Build(ReadOnlySpan<double> values) => Build(values, default, useDefault: true);

    internal static HistogramData Build(ReadOnlySpan<float> values, ReadOnlySpan<double> limits)
    {
        CheckLimits(limits);
        return Build(values, limits, useDefault: false);
    }

    internal static HistogramData Build(ReadOnlySpan<double> values, ReadOnlySpan<double> limits)
    {
        CheckLimits(limits);
        return Build(values, limits, useDefault: false);
    }

    private static void CheckLimits(ReadOnlySpan<double> limits)
    {
        if (limits.IsEmpty)
        {
            throw new ArgumentException("At least one bucket limit is required.", nameof(limits));
        }

        HistogramBuckets.ValidateLimits(limits, nameof(limits));
    }

    private static HistogramData Build(ReadOnlySpan<float> values, ReadOnlySpan<double> limits, bool useDefault) =>
        ChunkCount(values.Length) is var chunks and > 1
            ? BuildParallel(values, limits, useDefault, chunks)
            : BuildSequential(values, limits, useDefault);

    private static HistogramData Build(ReadOnlySpan<double> values, ReadOnlySpan<double> limits, bool useDefault) =>
        ChunkCount(values.Length) is var chunks and > 1
            ? BuildParallel(values, limits, useDefault, chunks)
            : BuildSequential(values, limits, useDefault);

    /// <summary>The whole span on the calling thread (also, per chunk, what <see cref="BuildParallel{T}(ReadOnlySpan{T}, ReadOnlySpan{double}, bool, int)"/> does).</summary>
    internal static HistogramData BuildSequential(ReadOnlySpan<float> values, ReadOnlySpan<double> limits, bool useDefault)
    {
        var stats = Stats.Of(values);
        if (useDefault)
        {
            limits = DefaultBucketTable.Limits;
        }

        long[] counts = ArrayPool<long>.Shared.Rent(limits.Length);
        try
        {
            var full = counts.AsSpan(0, limits.Length);
            full.Clear();
            Count(values, stats, limits, useDefault, full);
            return Finish(stats, limits, full);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(counts);
        }
    }

    /// <summary>Adds the bucket counts of the finite values to <paramref name="counts"/> (<paramref name="limits"/> are the default ones when <paramref name="useDefault"/>).</summary>
    private static void Count(ReadOnlySpan<float> values, in Stats stats, ReadOnlySpan<double> limits, bool useDefault, Span<long> counts)
    {
        if (stats.Num == 0)
        {
            return;
        }

        if (useDefault)
        {
            CountDefault(values, counts, stats.NonFinite > 0);
        }
        else
        {
            CountSearch(values, limits, counts);
        }
    }

    /// <inheritdoc cref="Count(ReadOnlySpan{float}, in Stats, ReadOnlySpan{double}, bool, Span{long})"/>
    private static void Count(ReadOnlySpan<double> values, in Stats stats, ReadOnlySpan<double> limits, bool useDefault, Span<long> counts)
    {
        if (stats.Num == 0)
        {
            return;
        }

        // double.MaxValue is the last limit itself: the table's one comparison would step past it.
        if (useDefault && stats.Max < double.MaxValue)
        {
            CountDefault(values, counts, stats.NonFinite > 0);
        }
        else
        {
            CountSearch(values, limits, counts);
        }
    }

    /// <inheritdoc cref="BuildSequential(ReadOnlySpan{float}, ReadOnlySpan{double}, bool)"/>
    internal static HistogramData BuildSequential(ReadOnlySpan<double> values, ReadOnlySpan<double> limits, bool useDefault)
    {
        var stats = Stats.Of(values);
        if (useDefault)
        {
            limits = DefaultBucketTable.Limits;
        }

        long[] counts = ArrayPool<long>.Shared.Rent(limits.Length);
        try
        {
            var full = counts.AsSpan(0, limits.Length);
            full.Clear();
            Count(values, stats, limits, useDefault, full);
            return Finish(stats, limits, full);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(counts);
        }
    }

    private static HistogramData Finish(in Stats stats, ReadOnlySpan<double> limits, ReadOnlySpan<long> full)
    {
        if (stats.Num == 0)
        {
            return HistogramData.FromBuilder(0, 0, 0, 0, 0, [], [], stats.Nan, stats.PosInf, stats.NegInf);
        }

        var (outLimits, outCounts) = HistogramCompactor.Compact(limits, full);
        return HistogramData.FromBuilder(stats.Min, stats.Max, stats.Num, stats.Sum, stats.SumSquares, outLimits, outCounts, stats.Nan, stats.PosInf, stats.NegInf);
    }

    private static void CountSearch(ReadOnlySpan<float> values, ReadOnlySpan<double> limits, Span<long> counts)
    {
        foreach (float v in values)
        {
            if (float.IsFinite(v))
            {
                counts[HistogramBuckets.FindBucket(limits, v)]++;
            }
        }
    }

    private static void CountSearch(ReadOnlySpan<double> values, ReadOnlySpan<double> limits, Span<long> counts)
    {
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                counts[HistogramBuckets.FindBucket(limits, v)]++;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // histograms are rare calls: no slow tier-0 pass over millions of values
    private static void CountDefault(ReadOnlySpan<float> values, Span<long> counts, bool skipNonFinite)
    {
        int n = counts.Length;
        int[] lanes = ArrayPool<int>.Shared.Rent(n * Lanes);
        try
        {
            var c = lanes.AsSpan(0, n * Lanes);
            c.Clear();
            int i = 0;
            if (!skipNonFinite)
            {
                // Unchecked: Bucket returns an index below the limits' length, so every slot is inside c.
                ref float src = ref MemoryMarshal.GetReference(values);
                ref int dst = ref MemoryMarshal.GetReference(c);
                ref ushort table = ref MemoryMarshal.GetArrayDataReference(DefaultBucketTable.FloatTable);
                ref double limits = ref MemoryMarshal.GetArrayDataReference(DefaultBucketTable.LimitsArray);
                for (; i + Lanes <= values.Length; i += Lanes)
                {
                    Unsafe.Add(ref dst, DefaultBucketTable.Bucket(Unsafe.Add(ref src, i), ref table, ref limits) * Lanes)++;
                    Unsafe.Add(ref dst, (DefaultBucketTable.Bucket(Unsafe.Add(ref src, i + 1), ref table, ref limits) * Lanes) + 1)++;
                    Unsafe.Add(ref dst, (DefaultBucketTable.Bucket(Unsafe.Add(ref src, i + 2), ref table, ref limits) * Lanes) + 2)++;
                    Unsafe.Add(ref dst, (DefaultBucketTable.Bucket(Unsafe.Add(ref src, i + 3), ref table, ref limits) * Lanes) + 3)++;
                }
            }

            for (; i < values.Length; i++)
            {
                float v = values[i];
                if (float.IsFinite(v))
                {
                    c[(DefaultBucketTable.Bucket(v) * Lanes) + (i & (Lanes - 1))]++;
                }
            }

            Reduce(c, counts);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // histograms are rare calls: no slow tier-0 pass over millions of values
    private static void CountDefault(ReadOnlySpan<double> values, Span<long> counts, bool skipNonFinite)
    {
        int n = counts.Length;
        int[] lanes = ArrayPool<int>.Shared.Rent(n * Lanes);
        try
        {
            var c = lanes.AsSpan(0, n * Lanes);
            c.Clear();
            int i = 0;
            if (!skipNonFinite)
            {
                // Unchecked: Bucket returns an index below the limits' length, so every slot is inside c.
                ref double src = ref MemoryMarshal.GetReference(values);
                ref int dst = ref MemoryMarshal.GetReference(c);
                ref ushort table = ref MemoryMarshal.GetArrayDataReference(DefaultBucketTable.DoubleTable);
                ref double limits = ref MemoryMarshal.GetArrayDataReference(DefaultBucketTable.LimitsArray);
                for (; i + Lanes <= values.Length; i += Lanes)
                {
                    Unsafe.Add(ref dst, DefaultBucketTable.Bucket(Unsafe.Add(ref src, i), ref table, ref limits) * Lanes)++;
                    Unsafe.Add(ref dst, (DefaultBucketTable.Bucket(Unsafe.Add(ref src, i + 1), ref table, ref limits) * Lanes) + 1)++;
                    Unsafe.Add(ref dst, (DefaultBucketTable.Bucket(Unsafe.Add(ref src, i + 2), ref table, ref limits) * Lanes) + 2)++;
                    Unsafe.Add(ref dst, (DefaultBucketTable.Bucket(Unsafe.Add(ref src, i + 3), ref table, ref limits) * Lanes) + 3)++;
                }
            }

            for (; i < values.Length; i++)
            {
                double v = values[i];
                if (double.IsFinite(v))
                {
                    c[(DefaultBucketTable.Bucket(v) * Lanes) + (i & (Lanes - 1))]++;
                }
            }

            Reduce(c, counts);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(lanes);
        }
    }

    private static void Reduce(ReadOnlySpan<int> lanes, Span<long> counts)
    {
        for (int b = 0; b < counts.Length; b++)
        {
            var l = lanes.Slice(b * Lanes, Lanes);
            counts[b] += (long)l[0] + l[1] + l[2] + l[3];
        }
    }
}
