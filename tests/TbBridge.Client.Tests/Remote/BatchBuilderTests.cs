using TbBridge.Events;
using TbBridge.Remote.Internal;

namespace TbBridge.Client.Tests.Remote;

public sealed class BatchBuilderTests
{
    [Fact]
    public void Add_TagsTheServiceWritesItself_AreNotSentAndTheRestOfTheBatchIs()
    {
        var builder = new BatchBuilder();
        Assert.True(builder.Add(SummaryPoint.CreateScalar("r", "train/loss", 1, 1.0, 0.5), now: 0));
        Assert.False(builder.Add(SummaryPoint.CreateScalar("r", "tbbridge/alerts", 1, 1.0, 0.5), now: 0));
        Assert.False(builder.Add(SummaryPoint.CreateText("r", "tbbridge/alerts", 1, 1.0, "not an alert"), now: 0)); // stored as tbbridge/alerts/text_summary
        Assert.True(builder.Add(SummaryPoint.CreateScalar("r", "tbbridge/dropped_points", 1, 1.0, 3), now: 0)); // the writer's own count stays

        var batch = builder.Take(1);
        Assert.Equal(["train/loss", "tbbridge/dropped_points"], batch.Tags);
        Assert.Equal(2, batch.Scalars.Value.Count);
    }

    [Fact]
    public void CanCarry_TheServicesAlertLogInAnUploadedCopy_IsLeftBehind()
    {
        Assert.False(BatchBuilder.CanCarry(new SummaryValue("tbbridge/alerts", ValueKind.Text, "text", text: "**critical** ...")));
        Assert.True(BatchBuilder.CanCarry(new SummaryValue("notes/text_summary", ValueKind.Text, "text", text: "hello")));
    }
}
