namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// What a stream received since its last commit, for a shared run registry: points, the highest step, the newest
/// point's tag and wall time, and the tags it carried for the first time. The group commit takes it
/// (<see cref="Take"/>) into the same statement that saves the stream's acked state, so the registry costs no
/// round trip of its own. Kept only with a shared store.
/// </summary>
internal sealed class StreamProgress
{
    /// <summary>Tags one stream reports at most (the registry lists at most this many per run).</summary>
    public const int MaxTags = Runs.RunStatus.MaxListedTags;

    private readonly Lock _gate = new();
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private List<string> _newTags = [];
    private long _points;
    private long? _lastStep;
    private string _lastTag = "";
    private double? _newestWallTime;

    public void Note(IngestBatch batch, int written)
    {
        lock (_gate)
        {
            _points += written;
            var summary = batch.Summary;
            if (summary.MaxStep is { } step)
            {
                _lastStep = _lastStep is { } last ? Math.Max(last, step) : step;
            }

            // The newest point by a finite wall time, the later one on a tie (NaN and infinite wall times never count).
            if (summary.HasFiniteWallTime && (_newestWallTime is not { } newest || summary.NewestWallTime >= newest))
            {
                _newestWallTime = summary.NewestWallTime;
                _lastTag = summary.NewestTag;
            }

            foreach (string tag in summary.TagsWithPoints)
            {
                if (_reported.Count < MaxTags && _reported.Add(tag))
                {
                    _newTags.Add(tag);
                }
            }
        }
    }

    /// <summary>What arrived since the last call; the next starts from nothing (a commit that fails ends the stream).</summary>
    public StreamDelta Take()
    {
        lock (_gate)
        {
            var delta = new StreamDelta(_points, _lastStep, _lastTag, _newestWallTime, _newTags);
            _points = 0;
            _lastStep = null;
            _newestWallTime = null;
            _newTags = [];
            return delta;
        }
    }
}
