using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Runs;

namespace TbBridge.Server.Internal.Routing;

/// <summary>
/// The switchboard between ingest and alerts, the one place that knows both: an alert goes into its run as a
/// text entry first, then it is published (numbered, to the watchers, stored, logged, to the webhooks) and
/// counted on the run.
/// </summary>
internal sealed class AlertRouter : IAlertRouter
{
    private readonly AlertHub _hub;
    private readonly AlertStore _store;
    private readonly RunRegistry _runs;

    public AlertRouter(AlertHub hub, AlertStore store, RunRegistry runs)
    {
        _hub = hub;
        _store = store;
        _runs = runs;
    }

    public void Route(StreamSession session, Alert alert)
    {
        // The run's text entry first: whoever hears of the alert (a watcher, a webhook, GetRun) and then waits
        // for a commit finds it in the run's event file.
        session.AppendText(AlertText.Tag, alert.Step, alert.WallTime, AlertText.Markdown(alert, session.Identity.Worker));
        var record = _hub.Raise(session.Identity, alert);
        _runs.GetOrAdd(record.Project, record.Run).AddAlert(record.Severity);
    }

    public IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run) => _store.CountByRun(project, run);
}
