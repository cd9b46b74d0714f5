using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Internal.Storage;

/// <summary>Deliveries of one service: every alert it raises is its own to deliver, and nothing is recorded.</summary>
internal sealed class LocalWebhookDeliveries : IWebhookDeliveries
{
    public static readonly LocalWebhookDeliveries Instance = new();

    public TimeSpan? TakeOverEvery => null;

    public bool TryClaim(long alertId, string url) => true;

    public void Finished(long alertId, string url, bool delivered)
    {
    }

    public IReadOnlyList<(long AlertId, string Url, string From)> TakeOverAbandoned(IReadOnlyList<string> urls) => [];
}
