namespace TbBridge.Analysis.Internal;

/// <summary>Point indices (1-based counts of one tag) of recent spikes or excursions, oldest first, trimmed to a window.</summary>
internal sealed class EventWindow
{
    private readonly Queue<long> _events = new();

    public int Count => _events.Count;

    /// <summary>True while the points are above an excursion threshold (for rules that count excursions, not points).</summary>
    public bool InExcursion { get; set; }

    /// <summary>True once an alert was raised from these events and not yet cleared (so clearing costs nothing otherwise).</summary>
    public bool Reported { get; set; }

    /// <summary>The largest ratio to its median of a heavy-tail point seen so far (0: none yet): the loss-spike rule's tail over the whole run.</summary>
    public double TailRatio { get; set; }

    /// <summary>The point index of the last event.</summary>
    public long LastEvent { get; set; } = long.MinValue / 2;

    public void Add(long index) => _events.Enqueue(index);

    /// <summary>Drops the events more than <paramref name="window"/> points before <paramref name="now"/>.</summary>
    public void Trim(long now, int window)
    {
        while (_events.Count > 0 && _events.Peek() <= now - window)
        {
            _events.Dequeue();
        }
    }
}
