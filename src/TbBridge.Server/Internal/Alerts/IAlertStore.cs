using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Where alerts are kept (the seam of "alerts"): SQLite in the data directory for one service (numbered by the hub),
/// or PostgreSQL shared by replicas (numbered by the store, deduplicated on worker, rule, tag and step, and published
/// to every replica through <see cref="Published"/>). The hub, the gRPC services and the page read through it.
/// </summary>
internal interface IAlertStore : IDisposable
{
    /// <summary>
    /// True when replicas share the store: the store numbers alerts and drops a second raising of one condition,
    /// and every replica's watchers and webhooks hear of an alert through <see cref="Published"/>, its own included.
    /// </summary>
    bool IsShared { get; }

    /// <summary>The highest id stored; 0 when there is none.</summary>
    long MaxId();

    /// <summary>
    /// The highest id the hub of one service may have handed out (<see cref="ReserveIds"/>): the next start numbers
    /// after it, so an alert lost while it waited for the store never lends its id to another. 0 for a shared store.
    /// </summary>
    long ReservedId();

    /// <summary>Records durably that ids up to <paramref name="upTo"/> may be handed out; a shared store numbers alerts itself and ignores it.</summary>
    void ReserveIds(long upTo);

    /// <summary>
    /// Stores an alert; storing it again (a retry after an unclear failure) changes nothing. A store of one service
    /// keeps the hub's id; a shared store gives its own, and returns null when the same condition was stored before.
    /// </summary>
    AlertRecord? Add(AlertRecord alert);

    /// <summary>Alerts with an id above <paramref name="afterId"/> and up to <paramref name="upToId"/>, oldest first, filtered by <paramref name="query"/>.</summary>
    IReadOnlyList<AlertRecord> Query(AlertQuery query, long afterId, long upToId, int limit);

    /// <summary>Alert counts per severity for one run.</summary>
    IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run);

    /// <summary>Shared stores: alerts stored by any replica, in id order, each once (a store of one service never raises it).</summary>
    event Action<IReadOnlyList<AlertRecord>>? Published;
}
