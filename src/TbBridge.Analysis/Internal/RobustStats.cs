namespace TbBridge.Analysis.Internal;

/// <summary>Allocation-free order statistics over small spans (the windows are at most 64 values).</summary>
internal static class RobustStats
{
    /// <summary>MAD of a normal distribution is 0.6745 sigma: multiply a MAD by this to estimate sigma.</summary>
    public const double MadToSigma = 1.4826;

    /// <summary>The standard error of a median of n normal values is this (√(π/2)) times that of their mean, σ/√n.</summary>
    public const double MedianEfficiency = 1.2533;

    /// <summary>Median of <paramref name="values"/>; reorders <paramref name="values"/>.</summary>
    public static double MedianInPlace(Span<double> values)
    {
        var n = values.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        var upper = Select(values, n / 2);
        if ((n & 1) == 1)
        {
            return upper;
        }

        // After selection everything left of n/2 is <= values[n/2]: the lower middle is their maximum.
        var lower = values[0];
        for (var i = 1; i < n / 2; i++)
        {
            lower = Math.Max(lower, values[i]);
        }

        return 0.5 * (lower + upper);
    }

    /// <summary>The k-th smallest value (Hoare's quickselect, middle pivot: deterministic, linear on average); partially reorders.</summary>
    public static double Select(Span<double> values, int k)
    {
        int lo = 0, hi = values.Length - 1;
        while (lo < hi)
        {
            var pivot = values[lo + ((hi - lo) / 2)];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return values[k];
            }
        }

        return values[k];
    }

    /// <summary>Median absolute deviation of log(values) around log(median); values must be positive. Reorders <paramref name="values"/>.</summary>
    public static double LogMadInPlace(Span<double> values, double median)
    {
        if (values.Length == 0 || !(median > 0))
        {
            return double.NaN;
        }

        var logMedian = Math.Log(median);
        var k = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] > 0)
            {
                values[k++] = Math.Abs(Math.Log(values[i]) - logMedian);
            }
        }

        return MedianInPlace(values[..k]);
    }
}
