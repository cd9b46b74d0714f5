namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Who delivers each alert to each webhook (the seam of "deliveries"): with one service, that service; with
/// replicas, the one that claims it first in the shared store, so an endpoint hears of an alert once.
/// </summary>
internal interface IWebhookDeliveries
{
    /// <summary>True for the one caller that is to deliver <paramref name="alertId"/> to <paramref name="url"/>.</summary>
    bool TryClaim(long alertId, string url);

    /// <summary>Records how a claimed delivery ended (delivered, or given up after its attempts).</summary>
    void Finished(long alertId, string url, bool delivered);
}
