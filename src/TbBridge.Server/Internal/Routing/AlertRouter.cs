using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Runs;

namespace TbBridge.Server.Internal.Routing;

/// <summary>
/// The switchboard between ingest and alerts, the one place that knows both: an alert goes into its worker's
/// TensorBoard run as a text entry first (carrying the run's alert log so far), then it is published (numbered, to
/// the watchers, stored, logged, to the webhooks) and counted on the run.
/// </summary>
internal sealed class AlertRouter : IAlertRouter
{
    /// <summary>Alerts listed in one text entry at most; the entry counts the rest.</summary>
    public const int MaxLoggedAlerts = 200;

    private readonly AlertHub _hub;
    private readonly AlertStore _store;
    private readonly RunRegistry _runs;
    private readonly Lock _gate = new();
    private readonly Dictionary<WorkerKey, WorkerLog> _logs = [];

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
        var identity = session.Identity;
        session.AppendText(AlertText.Tag, alert.Step, alert.WallTime, Entry(identity, alert));
        var record = _hub.Raise(identity, alert);
        _runs.GetOrAdd(record.Project, record.Run).AddAlert(record.Severity);
    }

    public IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run) => _store.CountByRun(project, run);

    public IReadOnlyCollection<string> RaisedKeys(StreamIdentity worker) =>
        Stored(worker).Select(a => WorkerAnalysis.KeyOf(a.Kind, a.Tag, a.Step)).ToArray();

    private IEnumerable<AlertRecord> Stored(StreamIdentity worker) =>
        _store.Query(new AlertQuery(worker.Project, worker.Run, new HashSet<string>(), null), 0, long.MaxValue, int.MaxValue)
            .Where(a => a.Worker == worker.Worker);

    private string Entry(StreamIdentity identity, Alert alert)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(identity.WorkerKey, out var log))
            {
                // First alert of this worker since the service started: the log goes on from what was stored before.
                log = new WorkerLog();
                foreach (var stored in Stored(identity))
                {
                    log.Add(AlertText.Line(stored.Severity, stored.Kind, stored.Tag, stored.Step, stored.Message));
                }

                _logs[identity.WorkerKey] = log;
            }

            log.Add(AlertText.Line(alert.Severity, alert.Kind, alert.Tag, alert.Step, alert.Message));
            return AlertText.Entry(alert, identity.Worker, log.Lines, log.Total, MaxLoggedAlerts);
        }
    }

    /// <summary>The newest lines of a worker's alert log, and how many there were in all.</summary>
    private sealed class WorkerLog
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines => _lines;

        public long Total { get; private set; }

        public void Add(string line)
        {
            Total++;
            _lines.Add(line);
            if (_lines.Count > 2 * MaxLoggedAlerts)
            {
                _lines.RemoveRange(0, _lines.Count - MaxLoggedAlerts);
            }
        }
    }
}
