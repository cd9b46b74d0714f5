using TbBridge.Cli.Commands.Follow;

namespace TbBridge.Cli.Tests;

public class FollowStatusTests
{
    [Fact]
    public void Line_AllConnected_ShowsRunsFilesPointsAndLag()
    {
        var snapshot = new FollowSnapshot(Runs: 2, Files: 3, Connected: 3, Sent: 12_345, AlreadyThere: 0, Read: 12_400, Acknowledged: 12_300, BytesBehind: 61, LastError: null);

        Assert.Equal(
            "2 runs, 3 files (3 connected), 12,345 points sent, 12,300 acknowledged, lag 100 points unacknowledged + 61 bytes unread",
            FollowCommand.Line(snapshot));
    }

    [Fact]
    public void Line_ServiceAway_SaysWhy()
    {
        var snapshot = new FollowSnapshot(1, 1, 0, 10, 0, 10, 10, 0, "Unavailable: connection refused");

        Assert.EndsWith("; service away: Unavailable: connection refused", FollowCommand.Line(snapshot), StringComparison.Ordinal);
    }
}
