namespace TbBridge.TorchSharp.Tests.Support;

/// <summary>
/// A deliberately plain host-side histogram, written apart from the library: a linear scan for the
/// bucket, statistics accumulated in order. What the on-device path must agree with.
/// </summary>
internal static class ReferenceHistogram
{
    /// <summary>TensorFlow's default limits, built here independently: ±1e-12·1.1^k below 1e20, 0, ±double.MaxValue.</summary>
    public static double[] TensorFlowDefaultLimits()
    {
        var positive = new List<double>();
        for (double v = 1e-12; v < 1e20; v *= 1.1)
        {
            positive.Add(v);
        }

        var limits = new List<double> { -double.MaxValue };
        limits.AddRange(positive.AsEnumerable().Reverse().Select(v => -v));
        limits.Add(0);
        limits.AddRange(positive);
        limits.Add(double.MaxValue);
        return [.. limits];
    }

    public static (long[] Counts, double Min, double Max, double Sum, double SumSquares, long Nan, long PosInf, long NegInf) Compute(IEnumerable<double> values, double[] limits)
    {
        var counts = new long[limits.Length];
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, sumSquares = 0;
        long nan = 0, posInf = 0, negInf = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v))
            {
                nan++;
                continue;
            }

            if (double.IsPositiveInfinity(v))
            {
                posInf++;
                continue;
            }

            if (double.IsNegativeInfinity(v))
            {
                negInf++;
                continue;
            }

            int bucket = 0;
            while (bucket < limits.Length - 1 && !(limits[bucket] > v))
            {
                bucket++;
            }

            counts[bucket]++;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            sumSquares += v * v;
        }

        return (counts, min, max, sum, sumSquares, nan, posInf, negInf);
    }
}
