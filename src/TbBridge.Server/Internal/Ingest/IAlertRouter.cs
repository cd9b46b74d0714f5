using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Where ingest hands the alerts its workers' analyses raise, so ingest knows nothing of how alerts are told
/// (text, store, watchers, webhooks, log); and where it asks what was raised before the service started.
/// </summary>
internal interface IAlertRouter
{
    /// <summary>Called synchronously from the worker's analysis, under the stream's own call: one alert of <paramref name="session"/>.</summary>
    void Route(StreamSession session, Alert alert);

    /// <summary>
    /// An alert about a stream no session of this replica holds (one a dead replica held): published, stored and counted;
    /// its text entry reaches the worker's TensorBoard run with the worker's next stream (<see cref="Restate"/>), since
    /// the stream's file is sealed and this replica may not write it.
    /// </summary>
    void RouteDetached(StreamIdentity stream, Alert alert);

    /// <summary>
    /// An alert whose text entry the worker's files already hold (<see cref="EntryWritten"/>): the service raised it before it
    /// restarted and died before it was stored. Published, stored and counted, and listed in the worker's log; no second entry.
    /// </summary>
    void RouteWritten(StreamIdentity stream, Alert alert);

    /// <summary>
    /// Tells, for an alert of <paramref name="worker"/>, whether one of <paramref name="entries"/> (the first lines of the text
    /// entries a replay found in the worker's files, <see cref="IStreamAnalysis.Replay"/>) is its own entry.
    /// </summary>
    Predicate<Alert> EntryWritten(StreamIdentity worker, IReadOnlyCollection<string> entries);

    /// <summary>Alerts raised for a run before the service started, per severity.</summary>
    IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run);

    /// <summary>The alerts raised for one worker of a run (stored, or waiting for the store), as <see cref="WorkerAnalysis.KeyOf"/> keys.</summary>
    IReadOnlyCollection<string> RaisedKeys(StreamIdentity worker);

    /// <summary>Writes the worker's alert log so far into <paramref name="session"/> as one text entry (nothing when it has none).</summary>
    void Restate(StreamSession session);
}
