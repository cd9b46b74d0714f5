using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Bounds;

public sealed class TagBoundTests
{
    [Fact]
    public void ObserveScalar_ManyDistinctTags_StateStaysWithinMaxTagsAndTheLossIsStillAnalysed()
    {
        var a = new RunAnalyzer("r", new AnalysisOptions { MaxTags = 100 });
        var reported = new List<string>();
        a.TagLimitReached += reported.Add;
        const int Arbitrary = 10_000;
        for (var i = 0; i < Arbitrary; i++)
        {
            a.ObserveScalar($"custom/metric_{i}", 0, 1.0, i);
        }

        // 75 arbitrary tags take the open three quarters; the rest wait outside, counted.
        Assert.Equal(75, a.TagsAnalysed);
        Assert.Equal(Arbitrary - 75, a.PointsNotAnalysed);
        Assert.Equal(100, a.TagsNotAnalysed); // remembered up to MaxTags, so they are not classified again
        Assert.Equal(["custom/metric_75"], reported);

        // A second point of each: nothing new is admitted, every point beyond the bound is counted once more.
        for (var i = 0; i < Arbitrary; i++)
        {
            a.ObserveScalar($"custom/metric_{i}", 1, 2.0, i);
        }

        Assert.Equal(75, a.TagsAnalysed);
        Assert.Equal(2 * (Arbitrary - 75), a.PointsNotAnalysed);

        // The loss comes after them all and is still analysed: the bound keeps room for what the rules judge a run by.
        for (var step = 2; step < 40; step++)
        {
            a.ObserveScalar("train/loss", step, step, 2.0 - (step * 0.01));
        }

        a.ObserveScalar("train/loss", 40, 40, double.NaN);
        Assert.Equal(76, a.TagsAnalysed);
        Assert.Equal(SignalRole.TrainLoss, a.RoleOf("train/loss"));
        Assert.Equal("train/loss", a.AssertSingle(AlertKind.NanInf).Tag);
        Assert.Single(reported);
        Assert.Equal((2 * Arbitrary) + 39, a.PointsObserved);
    }

    [Fact]
    public void ObserveScalar_PreferredTagsBeyondTheBound_NeverMoreThanMaxTags()
    {
        var a = new RunAnalyzer("r", new AnalysisOptions { MaxTags = 40 });
        for (var i = 0; i < 1000; i++)
        {
            a.ObserveScalar($"grad_norm/layer{i}.weight", 0, 1.0, 1.0);
        }

        Assert.Equal(40, a.TagsAnalysed);
        Assert.Equal(960, a.PointsNotAnalysed);
    }

    [Fact]
    public void ObserveHistogram_ManyHistogramsUnderOneTagAtOneStep_EachCountsAgainstTheBound()
    {
        // Keras writes one histogram per layer under one tag at one step: each numbered one is state of its own.
        var a = new RunAnalyzer("r", new AnalysisOptions { MaxTags = 20 });
        for (var step = 0; step < 3; step++)
        {
            for (var layer = 0; layer < 500; layer++)
            {
                a.ObserveHistogram("activations/relu", step, step, Synthetic.ReluActivations(0.5));
            }
        }

        Assert.Equal(15, a.TagsAnalysed);
        Assert.Equal(3 * (500 - 15), a.PointsNotAnalysed);
    }
}
