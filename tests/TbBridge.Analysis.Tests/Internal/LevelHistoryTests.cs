using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis.Tests.Internal;

public sealed class LevelHistoryTests
{
    [Fact]
    public void AddBlock_FewerThanCapacity_KeepsEveryBlock()
    {
        var history = new LevelHistory();
        for (var i = 0; i < 100; i++)
        {
            history.AddBlock(i);
        }

        Assert.Equal(100, history.Count);
        Assert.Equal(800, history.Points);
        Assert.Equal((24.5, 74.5), history.Halves());
    }

    [Fact]
    public void AddBlock_FarPastCapacity_StaysBoundedAndStillSpansTheWholeRun()
    {
        var history = new LevelHistory();
        for (var i = 0; i < 10_000; i++)
        {
            history.AddBlock(i);
        }

        Assert.InRange(history.Count, LevelHistory.Capacity / 2, LevelHistory.Capacity);
        Assert.InRange(history.Points, 79_000, 80_000); // a partly filled wide entry is not counted yet
        var (first, second) = history.Halves();
        Assert.InRange(first, 2_300, 2_700); // median block index of the first half is ~2,500
        Assert.InRange(second, 7_300, 7_700);
    }
}
