using TbBridge.Cli.Commands;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Tests;

public class RunsTableTests
{
    [Theory]
    [InlineData(0, 0, "-")]
    [InlineData(1_800_000_000, 0.4, "0s ago")]
    [InlineData(1_800_000_000, 119.9, "119s ago")]
    [InlineData(1_800_000_000, 120, "2m ago")]
    [InlineData(1_800_000_000, 7199, "119m ago")]
    [InlineData(1_800_000_000, 7200, "2h ago")]
    [InlineData(1_800_000_000, 3 * 86400, "3d ago")]
    public void Age_LastPoint_PrintedTheWayKubectlPrintsAges(double lastPointAt, double ageSeconds, string expected) =>
        Assert.Equal(expected, RunsTable.Age(new RunSummary { LastPointAt = lastPointAt, LastPointAgeSeconds = ageSeconds }));

    [Fact]
    public void Text_TwoRuns_AlignedColumnsUnderUpperCaseHeaders()
    {
        var runs = new[]
        {
            new RunSummary { Project = "vision", Run = "resnet-lr0.1", State = RunState.Stalled, WorkerCount = 8, LastStep = 12000, LastPointAt = 1, LastPointAgeSeconds = 900, AlertCounts = { ["warning"] = 1 } },
            new RunSummary { Project = "nlp", Run = "gpt", State = RunState.Disconnected, WorkerCount = 1, LastStep = 5, AlertCounts = { ["critical"] = 2, ["info"] = 1 } },
        };

        var lines = RunsTable.Text(runs).Split('\n');

        Assert.Equal(3, lines.Length);
        Assert.Equal("PROJECT   RUN            STATE          WORKERS   LAST STEP   LAST POINT   CRITICAL   WARNING   INFO", lines[0]);
        Assert.Equal("vision    resnet-lr0.1   stalled        8         12000       15m ago      0          1         0", lines[1]);
        Assert.Equal("nlp       gpt            disconnected   1         5           -            2          0         1", lines[2]);
    }

    [Fact]
    public void Text_NoRuns_SaysSo() => Assert.Equal("No runs.", RunsTable.Text([]));
}
