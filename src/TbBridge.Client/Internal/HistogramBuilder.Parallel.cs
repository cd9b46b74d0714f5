using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TbBridge.Internal;

internal static partial class HistogramBuilder
{
    /// <summary>
    /// Values per chunk when a span is split over the cores: about a quarter of a millisecond of work each, so
    /// handing chunks to the thread pool costs little beside them. Spans shorter than two chunks stay on the caller.
    /// </summary>
    internal const int ParallelChunk = 1 << 17;

    /// <summary>How many chunks <paramref name="length"/> values are split into (0 or 1: none).</summary>
    internal static int ChunkCount(int length) => Math.Min(Environment.ProcessorCount, length / ParallelChunk);

    /// <summary>
    /// The span (float or double) in <paramref name="chunks"/> contiguous chunks on the thread pool, merged in chunk
    /// order: the same counts as <see cref="BuildSequential(ReadOnlySpan{float}, ReadOnlySpan{double}, bool)"/>, the
    /// same min, max and num; sum and sum of squares differ from it only by the rounding of a different summation order
    /// (as the vectorised pass already does), and are the same from one call to the next.
    /// </summary>
    internal static unsafe HistogramData BuildParallel<T>(ReadOnlySpan<T> values, ReadOnlySpan<double> limits, bool useDefault, int chunks)
        where T : unmanaged
    {
        double[] limitsArray = useDefault ? DefaultBucketTable.LimitsArray : limits.ToArray();
        var parts = new (Stats Stats, long[] Counts)[chunks];
        fixed (T* pinned = values)
        {
            // The span stays pinned until every chunk is done: Parallel.For returns only then.
            nint start = (nint)pinned;
            int length = values.Length;
            Parallel.For(0, chunks, c =>
            {
                int from = (int)((long)length * c / chunks);
                int to = (int)((long)length * (c + 1) / chunks);
                parts[c] = Part(new ReadOnlySpan<T>((T*)start + from, to - from), limitsArray, useDefault);
            });
        }

        return Merge(parts, limitsArray);
    }

    private static (Stats Stats, long[] Counts) Part<T>(ReadOnlySpan<T> chunk, double[] limits, bool useDefault)
        where T : unmanaged
    {
        var counts = new long[limits.Length];
        if (typeof(T) == typeof(float))
        {
            var values = MemoryMarshal.Cast<T, float>(chunk);
            var stats = Stats.Of(values);
            Count(values, stats, limits, useDefault, counts);
            return (stats, counts);
        }
        else
        {
            Debug.Assert(typeof(T) == typeof(double), "Histograms are built of float or double values.");
            var values = MemoryMarshal.Cast<T, double>(chunk);
            var stats = Stats.Of(values);
            Count(values, stats, limits, useDefault, counts);
            return (stats, counts);
        }
    }

    private static HistogramData Merge((Stats Stats, long[] Counts)[] parts, double[] limits)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, sumSquares = 0;
        long num = 0, nan = 0, posInf = 0, negInf = 0;
        var counts = new long[limits.Length];
        foreach (var (stats, partCounts) in parts)
        {
            nan += stats.Nan;
            posInf += stats.PosInf;
            negInf += stats.NegInf;
            if (stats.Num == 0)
            {
                continue;
            }

            num += stats.Num;
            min = Math.Min(min, stats.Min);
            max = Math.Max(max, stats.Max);
            sum += stats.Sum;
            sumSquares += stats.SumSquares;
            for (int b = 0; b < counts.Length; b++)
            {
                counts[b] += partCounts[b];
            }
        }

        var merged = num == 0
            ? new Stats(0, 0, 0, 0, 0, nan, posInf, negInf)
            : new Stats(min, max, num, sum, sumSquares, nan, posInf, negInf);
        return Finish(merged, limits, counts);
    }
}
