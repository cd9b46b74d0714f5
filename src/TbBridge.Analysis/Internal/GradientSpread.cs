namespace TbBridge.Analysis.Internal;

/// <summary>
/// The per-parameter gradient norms at one round (median of each tensor's last five, tensors with 3 or more): the
/// smallest and largest non-zero weight-tensor norms, and the weight tensors whose gradients are exactly zero.
/// Biases and normalisation parameters are left out (<see cref="ParamNorm.Eligible"/>).
/// </summary>
internal readonly record struct GradientSpread(ParamNorm? Lowest, double LowestNorm, ParamNorm? Highest, double HighestNorm, int Eligible, ParamNorm? FirstZero, int Zeros, bool AnyNonZero)
{
    public static GradientSpread Of(Dictionary<string, ParamNorm>.ValueCollection norms)
    {
        ParamNorm? lo = null;
        ParamNorm? hi = null;
        double loV = double.PositiveInfinity, hiV = 0;
        var eligible = 0;
        ParamNorm? zero = null;
        var zeros = 0;
        var anyNonZero = false;
        foreach (var p in norms)
        {
            if (p.Count < 3)
            {
                continue;
            }

            var m = p.Median();
            anyNonZero |= m > 0;
            if (!p.Eligible)
            {
                continue;
            }

            if (!(m > 0))
            {
                // Exact zeros are not a gradient that shrank: no signal flows back through the layer's units at all.
                zeros++;
                zero ??= p;
                continue;
            }

            eligible++;
            if (m < loV)
            {
                (lo, loV) = (p, m);
            }

            if (m > hiV)
            {
                (hi, hiV) = (p, m);
            }
        }

        return new GradientSpread(lo, loV, hi, hiV, eligible, zero, zeros, anyNonZero);
    }
}
