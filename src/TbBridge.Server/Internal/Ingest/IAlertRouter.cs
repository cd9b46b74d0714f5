using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Where ingest hands the alerts its streams' analyses raise, so ingest knows nothing of how alerts are told
/// (text, store, watchers, webhooks, log); and where it asks, for a run it recovers at start, how many were raised.
/// </summary>
internal interface IAlertRouter
{
    /// <summary>Called synchronously from the stream's analysis, under the stream's own call: one alert of <paramref name="session"/>.</summary>
    void Route(StreamSession session, Alert alert);

    /// <summary>Alerts raised for a run before the service started, per severity.</summary>
    IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run);
}
