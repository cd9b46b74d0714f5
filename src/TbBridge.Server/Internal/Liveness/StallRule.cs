namespace TbBridge.Server.Internal.Liveness;

/// <summary>
/// The <c>stalled</c> rule's threshold: <c>factor</c> times the longest gap among a stream's recent batches, within
/// [floor, ceiling]. The longest gap, not the typical one, because a run that logs every second and pauses for an
/// evaluation every epoch has shown that pause is normal; the ceiling applies until two gaps are known.
/// </summary>
internal sealed class StallRule
{
    /// <summary>Gaps needed before the stream's own interval counts.</summary>
    public const int MinGaps = 2;

    public StallRule(double factor, TimeSpan floor, TimeSpan ceiling)
    {
        Factor = factor;
        Floor = floor;
        Ceiling = ceiling;
    }

    public double Factor { get; }

    public TimeSpan Floor { get; }

    public TimeSpan Ceiling { get; }

    public TimeSpan Threshold(StreamWatch watch)
    {
        if (watch.GapCount < MinGaps)
        {
            return Ceiling;
        }

        double seconds = Math.Clamp(Factor * watch.LongestRecentGap, Floor.TotalSeconds, Ceiling.TotalSeconds);
        return TimeSpan.FromSeconds(seconds);
    }
}
