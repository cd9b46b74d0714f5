namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// What the ingest path needs to know of a batch's points as a whole, found in one pass over them (scalars, then
/// histograms, then texts, each in order) and kept on the batch (<see cref="IngestBatch.Summary"/>): the run's last
/// step, the stream's progress for a shared registry and the liveness monitor's newest point all read it, instead
/// of each walking the batch. Hparams points carry no tag and are in none of it.
/// </summary>
internal sealed class BatchSummary
{
    private BatchSummary(long maxPointStep, long? maxStep, double newestWallTime, long newestStep, string newestTag, bool hasNonFiniteWallTime, string[] tagsWithPoints)
    {
        MaxPointStep = maxPointStep;
        MaxStep = maxStep;
        NewestWallTime = newestWallTime;
        NewestStep = newestStep;
        NewestTag = newestTag;
        HasNonFiniteWallTime = hasNonFiniteWallTime;
        TagsWithPoints = tagsWithPoints;
    }

    /// <summary>The highest step of a scalar or histogram (the run's last step); <see cref="long.MinValue"/> when there is none.</summary>
    public long MaxPointStep { get; }

    /// <summary>The highest step of any scalar, histogram or text; null when there is none.</summary>
    public long? MaxStep { get; }

    /// <summary>The highest finite wall time of a point; <see cref="double.NegativeInfinity"/> when no point has one.</summary>
    public double NewestWallTime { get; }

    /// <summary>True when a point has a finite wall time (<see cref="NewestWallTime"/> is one).</summary>
    public bool HasFiniteWallTime => double.IsFinite(NewestWallTime);

    /// <summary>The step of the last point (in the pass's order) whose wall time is <see cref="NewestWallTime"/>.</summary>
    public long NewestStep { get; }

    /// <summary>The tag of that point; empty when there is none.</summary>
    public string NewestTag { get; }

    /// <summary>True when a point's wall time is NaN or infinite (rare: consumers that order by wall time walk the batch then).</summary>
    public bool HasNonFiniteWallTime { get; }

    /// <summary>The tags that carry at least one point, in tag-table order (a tag table may name more).</summary>
    public string[] TagsWithPoints { get; }

    public static BatchSummary Of(IngestBatch batch)
    {
        var tags = batch.Tags;
        var used = new bool[tags.Length];
        int usedCount = 0;
        long maxPointStep = long.MinValue;
        double newestWallTime = double.NegativeInfinity;
        long newestStep = 0;
        int newestTag = -1;
        bool nonFinite = false;

        void Point(int tag, long step, double wallTime)
        {
            if (!used[tag])
            {
                used[tag] = true;
                usedCount++;
            }

            if (!double.IsFinite(wallTime))
            {
                nonFinite = true;
            }
            else if (wallTime >= newestWallTime)
            {
                newestWallTime = wallTime;
                newestStep = step;
                newestTag = tag;
            }
        }

        var scalars = batch.Scalars;
        var tagIndex = scalars.TagIndex;
        var steps = scalars.Steps;
        var wallTimes = scalars.WallTimes;
        for (int i = 0; i < tagIndex.Length; i++)
        {
            maxPointStep = Math.Max(maxPointStep, steps[i]);
            Point(tagIndex[i], steps[i], wallTimes[i]);
        }

        foreach (var h in batch.Histograms)
        {
            maxPointStep = Math.Max(maxPointStep, h.Step);
            Point(h.TagIndex, h.Step, h.WallTime);
        }

        bool anyStep = tagIndex.Length > 0 || batch.Histograms.Count > 0;
        long maxStep = maxPointStep;
        foreach (var t in batch.Texts)
        {
            maxStep = Math.Max(maxStep, t.Step);
            anyStep = true;
            Point(t.TagIndex, t.Step, t.WallTime);
        }

        var withPoints = new string[usedCount];
        for (int i = 0, next = 0; next < usedCount; i++)
        {
            if (used[i])
            {
                withPoints[next++] = tags[i];
            }
        }

        return new BatchSummary(maxPointStep, anyStep ? maxStep : null, newestWallTime, newestStep, newestTag < 0 ? "" : tags[newestTag], nonFinite, withPoints);
    }
}
