namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// The growth test that divergence (on the loss) and exploding gradients (on the global norm) share: the series rose
/// <see cref="AnalysisOptions.DivergenceRisingPoints"/> points in a row, the last two are each at least
/// <c>factor</c> times the median before them, and the newest is a new maximum of the window.
/// </summary>
internal static class FastGrowth
{
    /// <summary>Called before <paramref name="x"/> joins <paramref name="s"/>; the baseline median when it grew, else null.</summary>
    public static double? Check(ScalarSeries s, double x, double factor, int minHistory, int risingPoints)
    {
        if (s.Count < Math.Max(2, minHistory) || !(x > s.Last) || s.Rising + 1 < risingPoints)
        {
            return null;
        }

        var (baseline, max) = s.Baseline(skipNewest: 1);
        return baseline > 0 && s.Last >= factor * baseline && x >= factor * baseline && x > max ? baseline : null;
    }

    public static string Message(ScalarSeries s, double x, double baseline, string verdict) =>
        $"{s.Tag} rose {s.Rising + 1} points in a row to {RunContext.Fmt(x)}, {RunContext.Fmt(x / baseline)}x its earlier median of {RunContext.Fmt(baseline)}: {verdict}";

    public static Dictionary<string, double> Evidence(ScalarSeries s, double x, double baseline) =>
        RunContext.Evidence(("value", x), ("baseline_median", baseline), ("ratio", x / baseline), ("rising_points", s.Rising + 1));
}
