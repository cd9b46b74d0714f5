namespace TbBridge.Events;

/// <summary>An event record decoded into what TbBridge reads of it.</summary>
public sealed class DecodedEvent
{
    /// <summary>Creates a decoded event.</summary>
    public DecodedEvent(double wallTime, long step, string? fileVersion, IReadOnlyList<SummaryValue> values)
    {
        WallTime = wallTime;
        Step = step;
        FileVersion = fileVersion;
        Values = values;
    }

    /// <summary>Seconds since the Unix epoch.</summary>
    public double WallTime { get; }

    /// <summary>The global step.</summary>
    public long Step { get; }

    /// <summary>The file version, for a file's header record (<c>brain.Event:2</c>).</summary>
    public string? FileVersion { get; }

    /// <summary>The summary's values; empty for events that carry none.</summary>
    public IReadOnlyList<SummaryValue> Values { get; }
}
