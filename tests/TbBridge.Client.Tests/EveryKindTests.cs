using TbBridge.Client.Tests.Support;
using TbBridge.Events;
using TbBridge.Testing;

namespace TbBridge.Client.Tests;

public class EveryKindTests
{
    /// <summary>
    /// Writes the every-kind sample and reads all of it back. With TBBRIDGE_TBCHECK_OUT set, the same
    /// sample is also left there for stock TensorBoard (e.g. .tbcheck/logs/client-kinds).
    /// </summary>
    [Fact]
    public void EveryKindSample_ReadsBackAsWritten()
    {
        using var temp = new TempFolder();
        EveryKindSample.Write(temp.Path);
        if (Environment.GetEnvironmentVariable("TBBRIDGE_TBCHECK_OUT") is { Length: > 0 } outDir)
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }

            EveryKindSample.Write(outDir);
        }

        var runs = ReadBack.Runs(temp.Path);
        Assert.Equal([".", "hparams-session", "kinds_group_train", "kinds_group_val"], runs.Keys.Order(StringComparer.Ordinal));
        var main = runs["."];
        Assert.Equal(Enumerable.Range(0, 10).Select(s => ((long)s, s * 0.5)), ReadBack.Scalars(main, "kinds/scalar"));
        var special = ReadBack.Scalars(main, "kinds/scalar_special");
        Assert.True(double.IsNaN(special[0].Value));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity, 1.0], special.Skip(1).Select(p => p.Value));
        Assert.Equal(Enumerable.Range(0, 5).Select(s => ((long)s, (double)(float)(1.0 / (s + 1)))), ReadBack.Scalars(runs["kinds_group_train"], "kinds/group"));
        Assert.Equal(Enumerable.Range(0, 5).Select(s => ((long)s, (double)(float)(2.0 / (s + 1)))), ReadBack.Scalars(runs["kinds_group_val"], "kinds/group"));

        var grids = main.Where(e => e.Values.Any(v => v.Tag == "kinds/hist_grid")).ToList();
        Assert.Equal([0L, 1, 2], grids.Select(e => e.Step));
        for (int s = 0; s < 3; s++)
        {
            var h = grids[s].Values.Single().Histogram!;
            Assert.Equal((-5.0 + s, 4.99f + s, 10_000.0), (h.Min, h.Max, h.Num));
            Assert.Equal(EveryKindSample.Grid(s).Sum(v => (double)v), h.Sum, 1e-6);
            Assert.Equal(10_000, h.BucketCounts.Sum());
        }

        Assert.Equal([(0L, 2.0), (1L, 0.0)], ReadBack.Scalars(main, "kinds/hist_nan/nan_count"));
        Assert.Equal([(0L, 2.0), (1L, 0.0)], ReadBack.Scalars(main, "kinds/hist_nan/inf_count"));
        var nanHist = main.SelectMany(e => e.Values).First(v => v.Tag == "kinds/hist_nan").Histogram!;
        Assert.Equal((1.0, 3.0, 3.0, 6.0, 14.0), (nanHist.Min, nanHist.Max, nanHist.Num, nanHist.Sum, nanHist.SumSquares));
        Assert.Equal([1.0, 1, 1, 1], main.SelectMany(e => e.Values).Single(v => v.Tag == "kinds/hist_raw").Histogram!.BucketCounts);
        Assert.Equal(EveryKindSample.Text, main.SelectMany(e => e.Values).Single(v => v.Kind == ValueKind.Text).Text);
        Assert.Equal([(0L, 0.25)], ReadBack.Scalars(runs["hparams-session"], "hparam/val_loss"));
    }
}
