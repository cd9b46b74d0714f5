using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Internal.Liveness;

/// <summary>
/// One stream as the liveness monitor follows it: when its batches arrived (the service's clock), the recent gaps
/// between them, the newest point's own wall time and step, and what has been raised. Guarded by the monitor's lock.
/// </summary>
internal sealed class StreamWatch
{
    /// <summary>Gaps kept: the usual interval is judged on the last this many.</summary>
    public const int GapWindow = 64;

    private readonly double[] _gaps = new double[GapWindow];
    private int _gapCount;
    private int _next;

    public StreamWatch(StreamIdentity identity)
    {
        Identity = identity;
    }

    public StreamIdentity Identity { get; }

    /// <summary>The open session; null once the call ended.</summary>
    public StreamSession? Session { get; set; }

    /// <summary>The last session, kept after it closed so an alert about it still knows its stream.</summary>
    public StreamSession? LastSession { get; set; }

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last batch; null before the first.</summary>
    public long? LastArrival { get; private set; }

    /// <summary>Batches received since the service started.</summary>
    public long Batches { get; private set; }

    public long Points { get; private set; }

    public long LastStep { get; private set; }

    public string LastTag { get; private set; } = "";

    /// <summary>The newest wall time among the stream's points, seconds since the Unix epoch (the writer's clock).</summary>
    public double NewestWallTime { get; private set; } = double.NegativeInfinity;

    public bool Stalled { get; set; }

    /// <summary>Timestamp of a call's end without a clean close; null while connected or after a clean end.</summary>
    public long? BrokenAt { get; set; }

    public bool DisconnectRaised { get; set; }

    public int GapCount => _gapCount;

    /// <summary>The longest gap between batches among the recent ones, in seconds; 0 before two gaps are known.</summary>
    public double LongestRecentGap => _gaps.AsSpan(0, _gapCount).ToArray().DefaultIfEmpty(0).Max();

    /// <summary>
    /// Whether the last batch's newest point was recent by its own wall time when it arrived (within
    /// <c>maxLag</c> of the service's clock): a live job, not a backfill of old files.
    /// </summary>
    public bool Recent { get; private set; }

    public void Arrived(long now, TimeProvider time, IngestBatch batch, TimeSpan maxLag)
    {
        if (LastArrival is { } last)
        {
            _gaps[_next] = time.GetElapsedTime(last, now).TotalSeconds;
            _next = (_next + 1) % GapWindow;
            _gapCount = Math.Min(_gapCount + 1, GapWindow);
        }

        LastArrival = now;
        Batches++;
        Points += batch.PointCount;
        var summary = batch.Summary;
        if (!summary.HasNonFiniteWallTime)
        {
            // Every wall time finite: the points in order would end on the batch's newest (the last on a tie) when it
            // is not older than the stream's newest so far, or that is not finite (the stream's first point).
            if (summary.HasFiniteWallTime && (summary.NewestWallTime >= NewestWallTime || !double.IsFinite(NewestWallTime)))
            {
                NewestWallTime = summary.NewestWallTime;
                LastStep = summary.NewestStep;
                LastTag = summary.NewestTag;
            }
        }
        else
        {
            NewestOfEach(batch); // a NaN or infinite wall time: point by point, as it always was
        }

        Recent = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0 - NewestWallTime <= maxLag.TotalSeconds;
    }

    private void NewestOfEach(IngestBatch batch)
    {
        var scalars = batch.Scalars;
        for (int i = 0; i < scalars.Count; i++)
        {
            Newest(scalars.Steps[i], scalars.WallTimes[i], batch.Tags[scalars.TagIndex[i]]);
        }

        foreach (var h in batch.Histograms)
        {
            Newest(h.Step, h.WallTime, batch.Tags[h.TagIndex]);
        }

        foreach (var t in batch.Texts)
        {
            Newest(t.Step, t.WallTime, batch.Tags[t.TagIndex]);
        }
    }

    private void Newest(long step, double wallTime, string tag)
    {
        if (wallTime >= NewestWallTime || !double.IsFinite(NewestWallTime))
        {
            NewestWallTime = wallTime;
            LastStep = step;
            LastTag = tag;
        }
    }
}
