namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Who delivers each alert to each webhook (the seam of "deliveries"): with one service, that service; with
/// replicas, the one that claims it first in the shared store, so an endpoint hears of an alert once. A claim lasts
/// as long as its claimer lives: a delivery claimed by a replica that died before it finished is taken over by a live one.
/// </summary>
internal interface IWebhookDeliveries
{
    /// <summary>How often to look for abandoned deliveries; null when no other service can abandon one (one service).</summary>
    TimeSpan? TakeOverEvery { get; }

    /// <summary>True for the one caller that is to deliver <paramref name="alertId"/> to <paramref name="url"/>.</summary>
    bool TryClaim(long alertId, string url);

    /// <summary>Records how a claimed delivery ended (delivered, or given up after its attempts).</summary>
    void Finished(long alertId, string url, bool delivered);

    /// <summary>
    /// Claims for the caller, each once, the unfinished deliveries to <paramref name="urls"/> whose claimer is gone (its
    /// heartbeat stopped); returns them with the claimer they were taken from. Two callers never take the same one.
    /// </summary>
    IReadOnlyList<(long AlertId, string Url, string From)> TakeOverAbandoned(IReadOnlyList<string> urls);
}
