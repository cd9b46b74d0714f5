namespace TbBridge.Server.Internal.Ingest;

/// <summary>Scalar points column by column: entry <c>i</c> of every array is one point.</summary>
internal sealed class ScalarColumns
{
    public static readonly ScalarColumns Empty = new([], [], [], []);

    public ScalarColumns(int[] tagIndex, long[] steps, double[] values, double[] wallTimes)
    {
        TagIndex = tagIndex;
        Steps = steps;
        Values = values;
        WallTimes = wallTimes;
    }

    public int[] TagIndex { get; }

    public long[] Steps { get; }

    public double[] Values { get; }

    public double[] WallTimes { get; }

    public int Count => TagIndex.Length;
}
