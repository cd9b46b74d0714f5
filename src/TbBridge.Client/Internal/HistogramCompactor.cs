namespace TbBridge.Internal;

/// <summary>
/// Shrinks full bucket counts to what TensorBoard needs: from the last empty bucket before the first
/// non-empty one (its limit is the left edge of the data, as PyTorch keeps it) to the last non-empty
/// bucket, with each run of empty buckets in between merged into one (as TensorFlow's
/// <c>Histogram::EncodeToProto</c> does). Every value stays in a bucket with the same edges.
/// </summary>
internal static class HistogramCompactor
{
    internal static (double[] Limits, double[] Counts) Compact(ReadOnlySpan<double> limits, ReadOnlySpan<long> counts)
    {
        int first = -1;
        int last = -1;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                if (first < 0)
                {
                    first = i;
                }

                last = i;
            }
        }

        if (first < 0)
        {
            return ([], []);
        }

        int start = first > 0 ? first - 1 : first;
        int size = 0;
        for (int i = start; i <= last; i++)
        {
            if (counts[i] != 0 || i == last || counts[i + 1] != 0)
            {
                size++;
            }
        }

        var outLimits = new double[size];
        var outCounts = new double[size];
        int o = 0;
        for (int i = start; i <= last; i++)
        {
            // An empty bucket is emitted only as the end of its run: its limit closes the merged range.
            if (counts[i] != 0 || i == last || counts[i + 1] != 0)
            {
                outLimits[o] = limits[i];
                outCounts[o] = counts[i];
                o++;
            }
        }

        return (outLimits, outCounts);
    }
}
