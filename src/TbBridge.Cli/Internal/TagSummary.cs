using TbBridge.Events;

namespace TbBridge.Cli.Internal;

/// <summary>What <c>inspect</c> reports of one tag of one run; built point by point.</summary>
internal sealed class TagSummary
{
    public TagSummary(string tag, ValueKind kind)
    {
        Tag = tag;
        Kind = kind;
    }

    public string Tag { get; }

    public ValueKind Kind { get; }

    public long Count { get; private set; }

    public long FirstStep { get; private set; }

    public long LastStep { get; private set; }

    public double FirstWallTime { get; private set; }

    public double LastWallTime { get; private set; }

    public void Add(long step, double wallTime)
    {
        if (Count == 0)
        {
            FirstStep = step;
            FirstWallTime = wallTime;
        }

        LastStep = step;
        LastWallTime = wallTime;
        Count++;
    }

    /// <summary>The kind's name as <c>inspect --json</c> prints it.</summary>
    public string KindName => KindNames.Of(Kind);
}
