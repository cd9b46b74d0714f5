using Npgsql;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>
/// The schema, as numbered migrations that each run once: replicas starting together on an empty database take
/// one advisory lock in turn, and each applies only the versions <c>tbbridge_migrations</c> does not hold yet, in one
/// transaction per version (FluentMigrator's and EF's way). A migration is never edited once shipped; a change is a new one.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The advisory lock key (any fixed number unlikely to clash: "TBBR" in ASCII).</summary>
    private const long LockKey = 0x54424252;

    public static readonly IReadOnlyList<(int Version, string Name, string Sql)> All =
    [
        (1, "streams, alerts, deliveries, replicas", """
            CREATE TABLE replicas (
                id TEXT PRIMARY KEY,
                host TEXT NOT NULL,
                started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now());

            -- One row per stream id of a project: what was acked, where, and who may ack more (owner_epoch).
            CREATE TABLE streams (
                project TEXT NOT NULL,
                stream_id TEXT NOT NULL,
                run TEXT NOT NULL,
                worker TEXT NOT NULL,
                host TEXT NOT NULL,
                last_sequence BIGINT NOT NULL DEFAULT 0,
                file TEXT,
                file_offset BIGINT NOT NULL DEFAULT 0,
                owner TEXT,
                owner_epoch BIGINT NOT NULL DEFAULT 0,
                connected BOOLEAN NOT NULL DEFAULT false,
                PRIMARY KEY (project, stream_id));
            CREATE INDEX streams_worker ON streams (project, run, worker);

            -- Files a stream left behind when another replica took it, each at the length that was acked.
            CREATE TABLE stream_segments (
                project TEXT NOT NULL,
                stream_id TEXT NOT NULL,
                file TEXT NOT NULL,
                length BIGINT NOT NULL,
                sealed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (project, stream_id, file));

            CREATE TABLE alerts (
                id BIGSERIAL PRIMARY KEY,
                project TEXT NOT NULL,
                run TEXT NOT NULL,
                worker TEXT NOT NULL,
                kind TEXT NOT NULL,
                severity INTEGER NOT NULL,
                tag TEXT NOT NULL,
                step BIGINT NOT NULL,
                message TEXT NOT NULL,
                raised_at DOUBLE PRECISION NOT NULL,
                tags TEXT NOT NULL,
                subject TEXT NOT NULL,
                hint TEXT NOT NULL,
                evidence TEXT NOT NULL,
                -- The deduplication key: one condition (rule, tag, step) of one worker is one alert, whichever replica saw it.
                CONSTRAINT alerts_condition UNIQUE (project, run, worker, kind, tag, step));
            CREATE INDEX alerts_run ON alerts (project, run);

            CREATE TABLE webhook_deliveries (
                alert_id BIGINT NOT NULL,
                url TEXT NOT NULL,
                claimed_by TEXT NOT NULL,
                claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                finished_at TIMESTAMPTZ,
                delivered BOOLEAN,
                PRIMARY KEY (alert_id, url));
            """),
        (2, "liveness and the run registry across replicas", """
            -- Liveness: a call that ended without a clean close (its disconnected still to judge), and who judged which claim.
            ALTER TABLE streams
                ADD COLUMN broken_at TIMESTAMPTZ,
                ADD COLUMN judged_epoch BIGINT NOT NULL DEFAULT 0,
                ADD COLUMN judge TEXT,
                ADD COLUMN stalled BOOLEAN NOT NULL DEFAULT false,
            -- The run registry: what was acked of the stream, all replicas together (set by the group commit's UPDATE).
                ADD COLUMN points BIGINT NOT NULL DEFAULT 0,
                ADD COLUMN last_step BIGINT,
                ADD COLUMN last_tag TEXT NOT NULL DEFAULT '',
                ADD COLUMN last_wall_time DOUBLE PRECISION,
                ADD COLUMN last_point_at TIMESTAMPTZ;
            CREATE INDEX streams_owner ON streams (owner) WHERE connected OR broken_at IS NOT NULL;

            -- The tags that carried points, per run (inserted by the group commit's statement, the first time each is acked).
            CREATE TABLE run_tags (
                project TEXT NOT NULL,
                run TEXT NOT NULL,
                tag TEXT NOT NULL,
                PRIMARY KEY (project, run, tag));
            """),
        (3, "unfinished webhook deliveries", """
            -- Every replica looks for deliveries whose claimer died, every ReplicaTimeout / 2: only the unfinished ones,
            -- a few among every delivery ever made. (A worker's alerts are found by alerts_condition's prefix.)
            CREATE INDEX webhook_deliveries_unfinished ON webhook_deliveries (url) WHERE finished_at IS NULL;
            """),
    ];

    /// <summary>Applies what is missing; returns the versions this call applied (none when another replica had).</summary>
    public static IReadOnlyList<int> Run(NpgsqlDataSource dataSource)
    {
        using var connection = dataSource.OpenConnection();
        Execute(connection, null, $"SELECT pg_advisory_lock({LockKey})");
        try
        {
            Execute(connection, null, "CREATE TABLE IF NOT EXISTS tbbridge_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
            var applied = new HashSet<int>();
            using (var command = new NpgsqlCommand("SELECT version FROM tbbridge_migrations", connection))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var done = new List<int>();
            foreach (var (version, name, sql) in All.Where(m => !applied.Contains(m.Version)).OrderBy(m => m.Version))
            {
                using var transaction = connection.BeginTransaction();
                Execute(connection, transaction, sql);
                using (var record = new NpgsqlCommand("INSERT INTO tbbridge_migrations (version, name) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = version });
                    record.Parameters.Add(new NpgsqlParameter { Value = name });
                    record.ExecuteNonQuery();
                }

                transaction.Commit();
                done.Add(version);
            }

            return done;
        }
        finally
        {
            Execute(connection, null, $"SELECT pg_advisory_unlock({LockKey})");
        }
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
