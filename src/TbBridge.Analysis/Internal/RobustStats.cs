namespace TbBridge.Analysis.Internal;

/// <summary>Allocation-free order statistics over small spans (the windows are at most 64 values).</summary>
internal static class RobustStats
{
    /// <summary>MAD of a normal distribution is 0.6745 sigma: multiply a MAD by this to estimate sigma.</summary>
    public const double MadToSigma = 1.4826;

    /// <summary>Median of <paramref name="values"/>; reorders <paramref name="values"/>.</summary>
    public static double MedianInPlace(Span<double> values)
    {
        var n = values.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return (n & 1) == 1 ? values[n / 2] : 0.5 * (values[(n / 2) - 1] + values[n / 2]);
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
