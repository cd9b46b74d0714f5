using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Runs;

namespace TbBridge.Server.Internal.Routing;

/// <summary>
/// The switchboard between ingest and alerts, the one place that knows both: an alert goes into its worker's
/// TensorBoard run as a text entry first (carrying the run's newest alerts), then it is published (numbered, to
/// the watchers, stored, logged, to the webhooks) and counted on the run.
/// </summary>
internal sealed class AlertRouter : IAlertRouter
{
    /// <summary>
    /// Alerts listed in one text entry at most (the newest); the entry counts the rest. Small, because every alert
    /// writes an entry: each is bounded (<see cref="AlertText.MaxEntryChars"/>), so the run's file grows by the
    /// alert, not by the log.
    /// </summary>
    public const int MaxLoggedAlerts = 20;

    private readonly AlertHub _hub;
    private readonly IAlertStore _store;
    private readonly RunRegistry _runs;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<WorkerKey, WorkerLog> _logs = [];

    public AlertRouter(AlertHub hub, IAlertStore store, RunRegistry runs, TimeProvider time)
    {
        _hub = hub;
        _store = store;
        _runs = runs;
        _time = time;
    }

    public void Route(StreamSession session, Alert alert)
    {
        // The run's text entry first: whoever hears of the alert (a watcher, a webhook, GetRun) and then waits
        // for a commit finds it in the run's event file.
        var identity = session.Identity;
        var (step, text) = Entry(identity, alert);
        session.AppendText(AlertText.Tag, step, alert.WallTime, text);
        var record = _hub.Raise(identity, alert);
        _runs.GetOrAdd(record.Project, record.Run).AddAlert(record.Severity);
    }

    public void RouteDetached(StreamIdentity stream, Alert alert)
    {
        _ = Entry(stream, alert); // in the worker's log, so the restatement its next stream writes lists it
        var record = _hub.Raise(stream, alert);
        _runs.GetOrAdd(record.Project, record.Run).AddAlert(record.Severity);
    }

    public void RouteWritten(StreamIdentity stream, Alert alert)
    {
        lock (_gate)
        {
            var log = LogOf(stream);
            log.Add(AlertText.Line(alert.Severity, alert.Kind, alert.Tag, alert.Step, alert.Message), alert.Step);
            _ = log.NextEntryStep(alert.Step); // where its entry went, as near as the files tell: the next goes above it
        }

        var record = _hub.Raise(stream, alert);
        _runs.GetOrAdd(record.Project, record.Run).AddAlert(record.Severity);
    }

    public Predicate<Alert> EntryWritten(StreamIdentity worker, IReadOnlyCollection<string> entries)
    {
        // An entry begins with its alert's headline, then its message: every entry that begins with the headline sorts
        // between the headline and the headline followed by the highest character.
        var sorted = new SortedSet<string>(entries, StringComparer.Ordinal);
        return alert =>
        {
            string headline = AlertText.Headline(alert, worker.Worker) + ": ";
            return sorted.GetViewBetween(headline, headline + char.MaxValue).Count > 0;
        };
    }

    public IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run) => _store.CountByRun(project, run);

    public IReadOnlyCollection<string> RaisedKeys(StreamIdentity worker) =>
        Stored(worker).Select(a => WorkerAnalysis.KeyOf(a.Kind, a.Tag, a.Step)).ToArray();

    public void Restate(StreamSession session)
    {
        // A text entry that a rollback or a crash cut from the file is not written again with its alert (that alert
        // is not raised twice): one entry with the log so far puts every alert back where TensorBoard reads it.
        var identity = session.Identity;
        string? text;
        long step;
        lock (_gate)
        {
            var log = LogOf(identity);
            if (log.Total == 0)
            {
                return;
            }

            step = log.NextEntryStep(log.LastStep);
            text = AlertText.Restatement(log.Lines, log.Total, MaxLoggedAlerts);
        }

        session.AppendText(AlertText.Tag, step, _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, text);
    }

    private IEnumerable<AlertRecord> Stored(StreamIdentity worker) => _hub.OfWorker(worker.Project, worker.Run, worker.Worker);

    private WorkerLog LogOf(StreamIdentity identity)
    {
        if (!_logs.TryGetValue(identity.WorkerKey, out var log))
        {
            // First alert of this worker since the service started: the log goes on from what was raised before.
            log = new WorkerLog();
            foreach (var stored in Stored(identity))
            {
                log.Add(AlertText.Line(stored.Severity, stored.Kind, stored.Tag, stored.Step, stored.Message), stored.Step);
            }

            log.Resume();

            _logs[identity.WorkerKey] = log;
        }

        return log;
    }

    /// <summary>The alert's text entry, and the step it goes at (see <see cref="WorkerLog.NextEntryStep"/>).</summary>
    private (long Step, string Text) Entry(StreamIdentity identity, Alert alert)
    {
        lock (_gate)
        {
            var log = LogOf(identity);
            log.Add(AlertText.Line(alert.Severity, alert.Kind, alert.Tag, alert.Step, alert.Message), alert.Step);
            return (log.NextEntryStep(alert.Step), AlertText.Entry(alert, identity.Worker, log.Lines, log.Total, MaxLoggedAlerts));
        }
    }

    /// <summary>The newest lines of a worker's alert log, and how many there were in all.</summary>
    private sealed class WorkerLog
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines => _lines;

        public long Total { get; private set; }

        /// <summary>The highest step of an alert in the log.</summary>
        public long LastStep { get; private set; }

        /// <summary>The step of the last text entry this service wrote for the worker; -1 before the first.</summary>
        private long _lastEntryStep = -1;

        /// <summary>
        /// The step a new entry goes at: the alert's own, or one above the last entry's when that is not above it
        /// (an end-of-run check, another tag's alert found later, several alerts at one step). TensorBoard's data
        /// server keeps, per run and tag, only points whose step is above the last it kept, so an entry at a lower
        /// or equal step would never be shown; each entry's text names the alert's real step.
        /// </summary>
        /// <summary>
        /// After a restart, where the entries written before are not known: the next entry goes above every alert
        /// raised so far (entries went above those only when several shared a step or came late).
        /// </summary>
        public void Resume() => _lastEntryStep = Total == 0 ? -1 : LastStep;

        public long NextEntryStep(long alertStep)
        {
            _lastEntryStep = Math.Max(alertStep, _lastEntryStep + 1);
            return _lastEntryStep;
        }

        public void Add(string line, long step)
        {
            Total++;
            LastStep = Math.Max(LastStep, step);
            _lines.Add(line);
            if (_lines.Count > 2 * MaxLoggedAlerts)
            {
                _lines.RemoveRange(0, _lines.Count - MaxLoggedAlerts);
            }
        }
    }
}
