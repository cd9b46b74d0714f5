using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server;

/// <summary>The <c>TbBridge</c> configuration section (appsettings.json, <c>TbBridge__*</c> environment variables, command line).</summary>
internal sealed class TbBridgeServerOptions
{
    public const string SectionName = "TbBridge";

    /// <summary>Where runs (<c>&lt;project&gt;/&lt;run&gt;/</c>) and <c>tbbridge.db</c> live. <c>--data-dir</c> on the command line.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// An Npgsql connection string (environment <c>TbBridge__Postgres</c>). Unset (the default): one service, its
    /// state in SQLite in the data directory, which it locks. Set: replicas share their state (resume state, alerts,
    /// webhook deliveries, heartbeats) in this PostgreSQL database and their data directory on a volume every replica
    /// mounts (ReadWriteMany); any replica takes any stream (docs/server.md, "Replicas").
    /// </summary>
    public string? Postgres { get; set; }

    /// <summary>
    /// With <see cref="Postgres"/>: how old a replica's heartbeat may be before another replica may take the streams it
    /// holds (it beats five times as often). Default 10 s.
    /// </summary>
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// With <see cref="Postgres"/>: how old a replica's heartbeat must be before its row is deleted from
    /// <c>replicas</c> (a replica killed without stopping), once every stream it held was judged. At least twice
    /// <see cref="ReplicaTimeout"/>. Default 10 minutes.
    /// </summary>
    public TimeSpan ReplicaPruneAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Who may call without an API key. Default: only clients connecting from a loopback address.</summary>
    public AnonymousAccess Anonymous { get; set; } = AnonymousAccess.LoopbackOnly;

    /// <summary>Bearer keys (<c>authorization: Bearer &lt;key&gt;</c>) and the projects each may write and read.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Largest request message accepted; a larger one ends its stream with RESOURCE_EXHAUSTED. Default 16 MiB.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Points per second one client (API key, or anonymous address) may send, averaged over a second; 0 = no limit.</summary>
    public long MaxPointsPerSecondPerClient { get; set; } = 20_000_000;

    /// <summary>
    /// How long an ingest call may wait for its first message ('open'). A call that never gets one ends with
    /// DEADLINE_EXCEEDED, and the client opens the stream again. (HttpClient can retry a request on a new
    /// connection after the old one failed, with the body already written to the old one: the service then
    /// sees a call whose 'open' never comes, while the client waits for the answer.) Default 10 s.
    /// </summary>
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an ingest call may wait, after 'open', for its first batch (or for the client to end its side). A
    /// call silent that long ends with DEADLINE_EXCEEDED, its session closes as usual and its descriptors and memory
    /// go back; a live client reconnects and resumes. A stream that has sent batches and then goes quiet is not
    /// ended: that is the liveness monitor's <c>stalled</c>, which needs the stream to stay connected. Default 10 min.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Ingest calls one API key may hold open at once; one more is refused with RESOURCE_EXHAUSTED. Default 1024.</summary>
    public int MaxStreamsPerKey { get; set; } = 1024;

    /// <summary>Ingest calls one anonymous remote address may hold open at once; one more is refused with RESOURCE_EXHAUSTED. Default 64.</summary>
    public int MaxStreamsPerAnonymousAddress { get; set; } = 64;

    /// <summary>Most distinct tags in one batch's tag table.</summary>
    public int MaxTagsPerBatch { get; set; } = 65_536;

    /// <summary>
    /// Tags the analysis of one worker of a run keeps state for (about 2 KB each). Losses, accuracies, gradient norms and
    /// learning rates may use all of them, any other tag the first three quarters; points of tags beyond the bound are
    /// written to disk as usual, not analysed, and the log says so once per worker. Default 4096.
    /// </summary>
    public int MaxAnalysedTagsPerWorker { get; set; } = 4096;

    /// <summary>
    /// Watch calls one API key (or one anonymous address) may have reading their history at once; one more is refused
    /// with RESOURCE_EXHAUSTED (new_only watches do not count, nor a watch once its history is sent). Default 4.
    /// </summary>
    public int MaxHistoryReadsPerKey { get; set; } = 4;

    /// <summary>Alerts a watcher may fall behind by before it misses new ones.</summary>
    public int WatchQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// Alerts waiting for delivery, per webhook; past it the oldest alert of the lowest severity waiting is dropped
    /// (critical ones last), and the drop logged.
    /// </summary>
    public int WebhookQueueCapacity { get; set; } = 1000;

    public List<WebhookOptions> Webhooks { get; set; } = [];

    /// <summary>The team's page (<c>TbBridge:Web</c>): its endpoint, links and limits.</summary>
    public Web.WebOptions Web { get; set; } = new();

    /// <summary>
    /// A live stream is <c>stalled</c> once it has been silent for this many times the longest gap between its
    /// recent batches (bounded by <see cref="StallFloor"/> and <see cref="StallCeiling"/>). Default 5.
    /// </summary>
    public double StallFactor { get; set; } = 5;

    /// <summary>The shortest silence that can make a stream <c>stalled</c>, whatever its usual interval. Default 10 min.</summary>
    public TimeSpan StallFloor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The longest silence a live stream may keep without being <c>stalled</c>, however sparse it usually is; also
    /// the threshold while it has not sent enough batches to learn its interval. Default 1 h.
    /// </summary>
    public TimeSpan StallCeiling { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a stream that ended without a clean close has to come back before it is <c>disconnected</c>. Default 5 min.</summary>
    public TimeSpan DisconnectGrace { get; set; } = TimeSpan.FromMinutes(5);
}
