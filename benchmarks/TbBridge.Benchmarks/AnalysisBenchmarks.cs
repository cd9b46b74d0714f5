using BenchmarkDotNet.Attributes;
using TbBridge.Analysis;

namespace TbBridge.Benchmarks;

/// <summary>
/// Points analysed per second on one core by <see cref="RunAnalyzer"/>, over a pre-generated realistic stream (per step:
/// training loss, learning rate, global gradient norm; every 10 steps 8 per-parameter gradient norms; every 20 steps the
/// held-out loss and accuracy, 8 gradient, 8 weight and 4 activation histograms, and a predictions histogram).
/// Mean time / <see cref="Points"/> is the cost of one point. The anchor is the least any consumer must do with a point:
/// find its tag's list and append the value.
/// </summary>
[MemoryDiagnoser]
public class AnalysisBenchmarks
{
    private const int Steps = 20_000;
    private Point[] _points = [];

    public int Points => _points.Length;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        var points = new List<Point>();
        string[] parameters = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];
        string[] paramNormTags = [.. parameters.Select(p => "grad_norm/" + p)];
        string[] gradTags = [.. parameters.Select(p => "grads/" + p)];
        string[] weightTags = [.. parameters.Select(p => "weights/" + p)];
        string[] actTags = ["activations/conv1", "activations/conv2", "activations/fc1", "activations/fc2"];
        double[] limits = [.. Enumerable.Range(0, 30).Select(i => -1.5 + (0.1 * i))];
        double[] counts = [.. limits.Select((_, i) => 100.0 * Math.Exp(-0.02 * (i - 15) * (i - 15)))];
        for (long step = 0; step < Steps; step++)
        {
            double wall = 1_700_000_000 + (0.05 * step);
            double loss = (0.1 + (2.2 * Math.Exp(-step / 2000.0))) * Math.Exp(0.3 * ((rng.NextDouble() * 2) - 1));
            points.Add(Point.OfScalar("train/loss", step, wall, loss));
            points.Add(Point.OfScalar("train/lr", step, wall, 0.01));
            points.Add(Point.OfScalar("grad_norm/total", step, wall, 0.5 + rng.NextDouble()));
            if (step % 10 == 0)
            {
                foreach (var tag in paramNormTags)
                {
                    points.Add(Point.OfScalar(tag, step, wall, 0.01 + (0.1 * rng.NextDouble())));
                }
            }

            if (step % 20 == 0)
            {
                points.Add(Point.OfScalar("val/loss", step, wall, (1.2 * loss) + 0.05));
                points.Add(Point.OfScalar("val/accuracy", step, wall, 0.9));
                var h = new HistogramSnapshot(-1.5, 1.5, 2000, 1, 300 * (1 + (step * 1e-6)), limits, counts);
                var act = new HistogramSnapshot(0, 4, 4096, 4000, 9000, [0, 1e-12, 1, 2, 3, 4], [0, 2048, 512, 512, 512, 512]);
                foreach (var tag in gradTags)
                {
                    points.Add(Point.OfHistogram(tag, step, wall, h));
                }

                foreach (var tag in weightTags)
                {
                    points.Add(Point.OfHistogram(tag, step, wall, h));
                }

                foreach (var tag in actTags)
                {
                    points.Add(Point.OfHistogram(tag, step, wall, act));
                }

                points.Add(Point.OfHistogram("val/predictions", step, wall, new HistogramSnapshot(0, 9, 1000, 4500, 28500, [.. Enumerable.Range(0, 10).Select(i => i + 0.5)], [.. Enumerable.Repeat(100.0, 10)])));
            }
        }

        _points = [.. points];
        Console.WriteLine($"// {_points.Length:N0} points ({_points.Count(p => p.Histogram is not null):N0} histograms) over {Steps:N0} steps");
    }

    [Benchmark(Description = "RunAnalyzer: every rule")]
    public int Analyze()
    {
        var analyzer = new RunAnalyzer("bench");
        foreach (ref readonly var p in _points.AsSpan())
        {
            if (p.Histogram is null)
            {
                analyzer.ObserveScalar(p.Tag, p.Step, p.WallTime, p.Value);
            }
            else
            {
                analyzer.ObserveHistogram(p.Tag, p.Step, p.WallTime, p.Histogram);
            }
        }

        analyzer.Complete();
        return analyzer.Alerts.Count;
    }

    [Benchmark(Baseline = true, Description = "anchor: append to the tag's list")]
    public int AppendOnly()
    {
        var byTag = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (ref readonly var p in _points.AsSpan())
        {
            if (!byTag.TryGetValue(p.Tag, out var list))
            {
                byTag[p.Tag] = list = [];
            }

            list.Add(p.Histogram?.Sum ?? p.Value);
        }

        return byTag.Count;
    }

    private readonly record struct Point(string Tag, long Step, double WallTime, double Value, HistogramSnapshot? Histogram)
    {
        public static Point OfScalar(string tag, long step, double wall, double value) => new(tag, step, wall, value, null);

        public static Point OfHistogram(string tag, long step, double wall, HistogramSnapshot h) => new(tag, step, wall, 0, h);
    }
}
