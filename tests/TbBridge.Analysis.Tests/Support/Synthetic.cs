namespace TbBridge.Analysis.Tests.Support;

/// <summary>Seeded synthetic training streams: healthy curves, schedules and injected faults.</summary>
public static class Synthetic
{
    /// <summary>A standard normal sample (Box-Muller).</summary>
    public static double Normal(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Exponential decay from <paramref name="start"/> to <paramref name="floor"/> with multiplicative log-normal noise.</summary>
    public static double DecayingLoss(Random rng, long step, double start, double floor, double tau, double noiseSigma) =>
        (floor + ((start - floor) * Math.Exp(-step / tau))) * Math.Exp(noiseSigma * Normal(rng));

    /// <summary>Cosine schedule with linear warm-up.</summary>
    public static double CosineLr(long step, long steps, long warmup, double peak) =>
        step < warmup ? peak * (step + 1) / warmup : 0.5 * peak * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, steps - warmup)));

    /// <summary>A ReLU-like activation histogram: <paramref name="zeroFraction"/> exact zeros, the rest uniform in (0, max].</summary>
    public static HistogramSnapshot ReluActivations(double zeroFraction, double max = 4, int num = 4096)
    {
        var zeros = Math.Round(num * zeroFraction);
        var positive = num - zeros;
        if (positive <= 0)
        {
            return new HistogramSnapshot(0, 0, num, 0, 0, [1e-12], [num]);
        }

        double[] limits = [0, 1e-12, max / 4, max / 2, 3 * max / 4, max];
        double[] counts = [0, zeros, positive / 4, positive / 4, positive / 4, positive / 4];
        var mean = max / 2;
        return new HistogramSnapshot(0, max, num, positive * mean, positive * max * max / 3, limits, counts);
    }

    /// <summary>A symmetric histogram of a tensor of <paramref name="num"/> values with RMS <paramref name="rms"/>.</summary>
    public static HistogramSnapshot Tensor(double rms, double mean = 0, int num = 1024) =>
        new(mean - (3 * rms), mean + (3 * rms), num, mean * num, num * ((rms * rms) + (mean * mean)),
            [mean - rms, mean, mean + rms, mean + (3 * rms)], [num * 0.16, num * 0.34, num * 0.34, num * 0.16]);

    /// <summary>Predicted classes 0..k-1 with the given counts.</summary>
    public static HistogramSnapshot Predictions(params double[] counts)
    {
        var limits = Enumerable.Range(0, counts.Length).Select(i => i + 0.5).ToArray();
        var used = Enumerable.Range(0, counts.Length).Where(i => counts[i] > 0).ToArray();
        var n = counts.Sum();
        var sum = Enumerable.Range(0, counts.Length).Sum(i => i * counts[i]);
        var sq = Enumerable.Range(0, counts.Length).Sum(i => i * i * counts[i]);
        return new HistogramSnapshot(used.Min(), used.Max(), n, sum, sq, limits, counts);
    }
}
