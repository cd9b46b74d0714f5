using Microsoft.Extensions.Logging;

namespace TbBridge.Remote;

/// <summary>
/// Settings of a <see cref="RemoteSink"/>: where the TbBridge service is, who this worker is, and how much
/// the sink may hold while the service is away. Immutable once the sink is created.
/// </summary>
public sealed class RemoteSinkOptions
{
    /// <summary>The service, e.g. <c>http://127.0.0.1:5080</c> (h2c) or an <c>https://</c> address.</summary>
    public required Uri Server { get; init; }

    /// <summary>The project the run belongs to (the first directory level on the service).</summary>
    public required string Project { get; init; }

    /// <summary>The run; a point's sub-run (see <see cref="SummaryPoint.Run"/>) is appended as <c>run/sub-run</c>.</summary>
    public required string Run { get; init; }

    /// <summary>This process's worker or rank name, e.g. <c>rank0</c>: its own event file in the run. Default <c>worker0</c>.</summary>
    public string Worker { get; init; } = "worker0";

    /// <summary>Sent as <c>authorization: Bearer &lt;key&gt;</c>; null sends none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Host name reported to the service; null takes <see cref="Environment.MachineName"/>.</summary>
    public string? HostName { get; init; }

    /// <summary>A batch is sent once it holds this many points. Default 8,192.</summary>
    public int MaxBatchPoints { get; init; } = 8192;

    /// <summary>...or once its first point is this old. Default 200 ms.</summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Bytes of unacknowledged batches held in memory. Past it, batches live only in the spool (when there is
    /// one) or new batches are dropped and counted in <see cref="RemoteSink.DroppedPoints"/>. Default 64 MiB.
    /// </summary>
    public long MaxBufferedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// A folder for the disk spool: every batch is written there before it is sent and deleted once acked,
    /// so batches survive the service being unreachable and the process restarting (the next sink with the
    /// same project, run, worker and folder replays them). Null: memory only. Default null.
    /// </summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>Bytes the spool may hold; past it new batches are dropped and counted. Default 1 GiB.</summary>
    public long MaxSpoolBytes { get; init; } = 1L << 30;

    /// <summary>First reconnect delay; it doubles per failed attempt, with jitter, up to <see cref="MaxBackoff"/>. Default 200 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest reconnect delay. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a connection may wait for the service's answer to 'open' before it is given up and made
    /// again. Default 30 s.
    /// </summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="RemoteSink.FlushAsync"/> waits for acks while connected. Default 5 s.</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long disposing waits for every batch to be acked before giving up (spooled batches stay spooled). Default 30 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Clock for batch ages, backoff and timeouts.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The backoff's jitter source; null takes a new <see cref="Random"/> per stream. Tests pass a seeded one.</summary>
    internal Random? BackoffRandom { get; init; }

    /// <summary>Where the sink logs connection changes and drops. Default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Server);
        if (!Server.IsAbsoluteUri || (Server.Scheme != Uri.UriSchemeHttp && Server.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("Server must be an absolute http:// or https:// address.", nameof(Server));
        }

        ArgumentException.ThrowIfNullOrEmpty(Project);
        ArgumentException.ThrowIfNullOrEmpty(Run);
        ArgumentException.ThrowIfNullOrEmpty(Worker);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxBatchDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSpoolBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InitialBackoff, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(OpenTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(FlushTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainTimeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
