using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Tests.Internal;

/// <summary>The webhook outbox alone: what a full queue drops, and the order it gives alerts back.</summary>
public sealed class WebhookOutboxTests
{
    [Fact]
    public async Task Offer_FullOutbox_DropsTheOldestOfTheLowestSeverityAndGivesTheRestBackOldestFirst()
    {
        var outbox = new WebhookOutbox(capacity: 3);
        Assert.Null(outbox.Offer(Item(1, AlertSeverity.Warning)));
        Assert.Null(outbox.Offer(Item(2, AlertSeverity.Critical)));
        Assert.Null(outbox.Offer(Item(3, AlertSeverity.Warning)));

        Assert.Equal(1, outbox.Offer(Item(4, AlertSeverity.Critical))?.Alert.Id); // the oldest warning goes
        Assert.Equal(5, outbox.Offer(Item(5, AlertSeverity.Info))?.Alert.Id); // below every queued one: it goes itself
        Assert.Equal(3, outbox.Offer(Item(6, AlertSeverity.Warning))?.Alert.Id); // same severity as the lowest queued: the older goes
        Assert.Equal(6, outbox.Offer(Item(7, AlertSeverity.Critical))?.Alert.Id);
        Assert.Equal(2, outbox.Offer(Item(8, AlertSeverity.Critical))?.Alert.Id); // only critical left: the oldest critical goes
        Assert.Equal(5, outbox.Dropped);

        outbox.Complete();
        var taken = new List<long>();
        while (await outbox.TakeAsync(CancellationToken.None) is { } item)
        {
            taken.Add(item.Alert.Id);
        }

        Assert.Equal([4L, 7L, 8L], taken);
        Assert.Null(outbox.Offer(Item(9, AlertSeverity.Critical))); // completed: neither queued nor counted a drop
        Assert.Equal(5, outbox.Dropped);
    }

    [Fact]
    public async Task TakeAsync_EmptyOutbox_WaitsForTheNextOffer()
    {
        var outbox = new WebhookOutbox(capacity: 2);
        var waiting = outbox.TakeAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        outbox.Offer(Item(1, AlertSeverity.Warning));
        Assert.Equal(1, (await waiting.WaitAsync(TimeSpan.FromSeconds(30)))?.Alert.Id);
    }

    private static WebhookItem Item(long id, AlertSeverity severity) => new(
        new AlertRecord(id, "p", "r", "w", "k", severity, "t", id, "m", 1.0, ["t"], "s", "", new Dictionary<string, double>()), Claimed: false);
}
