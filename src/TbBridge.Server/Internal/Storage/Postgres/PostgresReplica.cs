using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>
/// This replica in the shared database: the data source every PostgreSQL home uses (Npgsql's pooled
/// <see cref="NpgsqlDataSource"/>), the schema brought up to date once at start, an id new on every start, and a
/// heartbeat. Another replica may take a stream this one holds once the heartbeat is older than
/// <see cref="Timeout"/>; what keeps two replicas from acking one stream is the owner epoch, not the heartbeat.
/// </summary>
internal sealed class PostgresReplica : IHostedService, IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _pruneAfter;
    private ITimer? _heartbeat;
    private int _beating;
    private long _beats;

    public PostgresReplica(string connectionString, TimeSpan timeout, TimeSpan pruneAfter, TimeProvider time, ILogger<PostgresReplica> logger)
    {
        _time = time;
        _logger = logger;
        Timeout = timeout;
        _pruneAfter = pruneAfter;
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "tbbridge";
        DataSource = builder.Build();
        Id = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");
        Migrate();
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Unique to this start of this process: a restarted replica is another owner.</summary>
    public string Id { get; }

    /// <summary>How old this replica's heartbeat may be before its streams may be taken (it beats five times as often).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The last heartbeat that reached the database, by this process's clock; readiness asks for a recent one.</summary>
    public DateTimeOffset? LastBeat { get; private set; }

    /// <summary>Wraps a failure to reach the database as the I/O error the ingest path handles (UNAVAILABLE, resume later).</summary>
    public static IOException Unreachable(Exception error) => new($"The shared state (PostgreSQL) could not be reached: {error.Message}", error);

    public static bool IsDatabaseError(Exception error) => error is NpgsqlException or TimeoutException or InvalidOperationException { InnerException: NpgsqlException };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Beat(first: true);
        var every = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, Timeout.Ticks / 5));
        _heartbeat = _time.CreateTimer(_ => Beat(first: false), null, every, every);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _heartbeat?.Dispose();
        _heartbeat = null;
        try
        {
            // Gone on purpose: its streams may be taken at once, without waiting for the heartbeat to age, and are no dead
            // replica's to judge. One statement: with positional parameters Npgsql sends the text as one prepared
            // statement, which PostgreSQL refuses to hold two commands.
            using var connection = DataSource.OpenConnection();
            using var command = new NpgsqlCommand("WITH gone AS (DELETE FROM replicas WHERE id = $1) UPDATE streams SET connected = false, stalled = false WHERE owner = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = Id });
            command.ExecuteNonQuery();
        }
        catch (Exception ex) when (IsDatabaseError(ex))
        {
            PostgresLog.HeartbeatFailed(_logger, Id, ex);
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _heartbeat?.Dispose();
        DataSource.Dispose();
    }

    private void Migrate()
    {
        // Replicas and the database may start together: wait for it a while rather than fail at once.
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                var applied = PostgresMigrations.Run(DataSource);
                PostgresLog.Migrated(_logger, Id, applied.Count, PostgresMigrations.All.Count);
                return;
            }
            catch (Exception ex) when (IsDatabaseError(ex) && _time.GetUtcNow() < deadline)
            {
                PostgresLog.NotReachable(_logger, ex.Message);
                Thread.Sleep(1000);
            }
        }
    }

    /// <summary>
    /// Once per <see cref="Timeout"/>: deletes the rows of replicas whose heartbeat is older than the prune age (killed,
    /// not stopped: a stop deletes its own row), once none of the streams they held waits for a judgement. A stream
    /// still connected (or broken) under such an owner keeps its row until a live replica has raised its
    /// <c>disconnected</c> (which marks the judgement settled: <c>judge = owner</c>), since finding those streams needs
    /// the owner's row. Deliveries it claimed are taken over whether its row is old or gone.
    /// </summary>
    private void Prune(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand(
            """
            DELETE FROM replicas r WHERE r.id <> $1 AND r.heartbeat_at <= now() - $2
              AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.owner = r.id AND (s.connected OR s.broken_at IS NOT NULL)
                              AND NOT (s.judged_epoch = s.owner_epoch AND s.judge = s.owner))
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Id });
        command.Parameters.Add(new NpgsqlParameter { Value = _pruneAfter });
        int pruned = command.ExecuteNonQuery();
        if (pruned > 0)
        {
            PostgresLog.ReplicasPruned(_logger, Id, pruned);
        }
    }

    // Every beat inserts the row if it is missing: a replica frozen past ReplicaPruneAfter, or one running on a restored
    // database, would otherwise beat into nothing while it reports ready, and its streams would never be judged.
    private void Beat(bool first)
    {
        if (Interlocked.Exchange(ref _beating, 1) == 1)
        {
            return;
        }

        try
        {
            using var connection = DataSource.OpenConnection();
            using var command = new NpgsqlCommand(
                "INSERT INTO replicas (id, host) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()",
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = Id });
            command.Parameters.Add(new NpgsqlParameter { Value = Environment.MachineName });

            command.ExecuteNonQuery();
            LastBeat = _time.GetUtcNow();
            if (++_beats % 5 == 0)
            {
                Prune(connection);
            }
        }
        catch (Exception ex) when (IsDatabaseError(ex))
        {
            PostgresLog.HeartbeatFailed(_logger, Id, ex);
            if (first)
            {
                throw;
            }
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }
}
