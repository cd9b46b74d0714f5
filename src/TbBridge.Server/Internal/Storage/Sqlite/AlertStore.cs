using Microsoft.Data.Sqlite;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Storage.Sqlite;

// The SQLite home of alerts keeps the namespace of the concern it serves, so its callers (and tests) name it as before.
namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// Alerts in SQLite (<c>tbbridge.db</c> in the data directory), under the ids the hub numbers them with. A database
/// written before a column existed gets the column when it is opened, with an empty default.
/// </summary>
internal sealed class AlertStore : IAlertStore
{
    /// <summary>Columns added after the first schema, in the order they were added; never removed or renamed.</summary>
    private static readonly (string Name, string Definition)[] AddedColumns =
    [
        ("tags", "TEXT NOT NULL DEFAULT '[]'"),
        ("subject", "TEXT NOT NULL DEFAULT ''"),
        ("hint", "TEXT NOT NULL DEFAULT ''"),
        ("evidence", "TEXT NOT NULL DEFAULT '{}'"),
    ];

    /// <summary>The writer's connection, one statement at a time under <see cref="_gate"/>; reads use pooled readers of their own.</summary>
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private readonly string _readers;

    /// <param name="databasePath">The database file.</param>
    /// <param name="busyTimeout">
    /// How long an insert waits for another connection's lock before it fails and the hub retries it later.
    /// Default 2 s: the service's own writers hold the lock for milliseconds, and a raise that waits holds up detection.
    /// </param>
    public AlertStore(string databasePath, TimeSpan? busyTimeout = null)
    {
        _connection = SqliteDatabase.Open(databasePath, fullSync: false, busyTimeout ?? TimeSpan.FromSeconds(2));
        _readers = SqliteDatabase.ReaderConnectionString(databasePath, busyTimeout ?? TimeSpan.FromSeconds(2));
        SqliteDatabase.Execute(_connection, """
            -- The first schema; later columns are in AddedColumns.
            CREATE TABLE IF NOT EXISTS alerts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                project TEXT NOT NULL,
                run TEXT NOT NULL,
                worker TEXT NOT NULL,
                kind TEXT NOT NULL,
                severity INTEGER NOT NULL,
                tag TEXT NOT NULL,
                step INTEGER NOT NULL,
                message TEXT NOT NULL,
                raised_at REAL NOT NULL);
            CREATE INDEX IF NOT EXISTS alerts_run ON alerts(project, run);
            """);
        AddMissingColumns();
        // A stream's open reads its worker's alerts (AlertHub.OfWorker): by this index, not by a scan of its run's.
        SqliteDatabase.Execute(_connection, "CREATE INDEX IF NOT EXISTS alerts_worker ON alerts(project, run, worker)");
        // The highest id the hub may have handed out, ahead of what is stored (AlertHub.Store.cs): one row.
        SqliteDatabase.Execute(_connection, "CREATE TABLE IF NOT EXISTS alert_ids (only INTEGER PRIMARY KEY CHECK (only = 1), reserved INTEGER NOT NULL)");
    }

    /// <summary>One service numbers its alerts in the hub.</summary>
    public bool IsShared => false;

    /// <summary>Never raised: the hub of the one service publishes as it raises.</summary>
    public event Action<IReadOnlyList<AlertRecord>>? Published
    {
        add { }
        remove { }
    }

    /// <summary>The highest id stored; 0 when there is none.</summary>
    public long MaxId()
    {
        using var reader = SqliteDatabase.OpenReader(_readers);
        using var command = reader.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(id), 0) FROM alerts";
        return (long)command.ExecuteScalar()!;
    }

    public long ReservedId()
    {
        using var reader = SqliteDatabase.OpenReader(_readers);
        using var command = reader.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(reserved), 0) FROM alert_ids";
        return (long)command.ExecuteScalar()!;
    }

    public void ReserveIds(long upTo)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO alert_ids (only, reserved) VALUES (1, $upTo) ON CONFLICT (only) DO UPDATE SET reserved = excluded.reserved";
            command.Parameters.AddWithValue("$upTo", upTo);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Stores an alert under the id the hub gave it; storing it again (a retry after an unclear failure) changes nothing.</summary>
    public AlertRecord? Add(AlertRecord alert)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT OR IGNORE INTO alerts (id, project, run, worker, kind, severity, tag, step, message, raised_at, tags, subject, hint, evidence)
                VALUES ($id, $project, $run, $worker, $kind, $severity, $tag, $step, $message, $raisedAt, $tags, $subject, $hint, $evidence)
                """;
            command.Parameters.AddWithValue("$id", alert.Id);
            command.Parameters.AddWithValue("$project", alert.Project);
            command.Parameters.AddWithValue("$run", alert.Run);
            command.Parameters.AddWithValue("$worker", alert.Worker);
            command.Parameters.AddWithValue("$kind", alert.Kind);
            command.Parameters.AddWithValue("$severity", AlertColumns.SeverityCode(alert.Severity));
            command.Parameters.AddWithValue("$tag", alert.Tag);
            command.Parameters.AddWithValue("$step", alert.Step);
            command.Parameters.AddWithValue("$message", alert.Message);
            command.Parameters.AddWithValue("$raisedAt", alert.RaisedAt);
            command.Parameters.AddWithValue("$tags", AlertColumns.Tags(alert.Tags));
            command.Parameters.AddWithValue("$subject", alert.Subject);
            command.Parameters.AddWithValue("$hint", alert.Hint);
            command.Parameters.AddWithValue("$evidence", AlertColumns.Evidence(alert.Evidence));
            command.ExecuteNonQuery();
        }

        return alert;
    }

    /// <summary>
    /// Alerts with an id above <paramref name="afterId"/>, oldest first, filtered in memory by <paramref name="query"/>;
    /// on a reader connection of its own, so neither the writer nor another read waits for it.
    /// </summary>
    public IReadOnlyList<AlertRecord> Query(AlertQuery query, long afterId, long upToId, int limit)
    {
        var result = new List<AlertRecord>(Math.Min(limit, 1024));
        using (var connection = SqliteDatabase.OpenReader(_readers))
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT id, project, run, worker, kind, severity, tag, step, message, raised_at, tags, subject, hint, evidence FROM alerts
                WHERE id > $after AND id <= $upTo
                  AND ($project IS NULL OR project = $project) AND ($run IS NULL OR run = $run) AND ($worker IS NULL OR worker = $worker)
                ORDER BY id
                """;
            command.Parameters.AddWithValue("$after", afterId);
            command.Parameters.AddWithValue("$upTo", upToId);
            command.Parameters.AddWithValue("$project", string.IsNullOrEmpty(query.Project) ? DBNull.Value : query.Project);
            command.Parameters.AddWithValue("$run", string.IsNullOrEmpty(query.Run) ? DBNull.Value : query.Run);
            command.Parameters.AddWithValue("$worker", query.Worker is null ? DBNull.Value : query.Worker);
            using var reader = command.ExecuteReader();
            while (reader.Read() && result.Count < limit)
            {
                string tag = reader.GetString(6);
                var alert = new AlertRecord(
                    reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    AlertColumns.SeverityFromCode(reader.GetInt32(5)), tag, reader.GetInt64(7), reader.GetString(8), reader.GetDouble(9),
                    AlertColumns.ReadTags(reader.GetString(10), tag), reader.GetString(11), reader.GetString(12), AlertColumns.ReadEvidence(reader.GetString(13)));
                if (query.Matches(alert))
                {
                    result.Add(alert);
                }
            }
        }

        return result;
    }

    /// <summary>Alert counts per severity for one run.</summary>
    public IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run)
    {
        var counts = new Dictionary<AlertSeverity, long>();
        using (var connection = SqliteDatabase.OpenReader(_readers))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT severity, COUNT(*) FROM alerts WHERE project = $project AND run = $run GROUP BY severity";
            command.Parameters.AddWithValue("$project", project);
            command.Parameters.AddWithValue("$run", run);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                counts[AlertColumns.SeverityFromCode(reader.GetInt32(0))] = reader.GetInt64(1);
            }
        }

        return counts;
    }

    /// <summary>Adds the columns a database from an older service lacks; each is filled with its empty default.</summary>
    private void AddMissingColumns()
    {
        var present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM pragma_table_info('alerts')";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                present.Add(reader.GetString(0));
            }
        }

        foreach (var (name, definition) in AddedColumns)
        {
            if (!present.Contains(name))
            {
                SqliteDatabase.Execute(_connection, $"ALTER TABLE alerts ADD COLUMN {name} {definition}");
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }

        using var readers = new SqliteConnection(_readers);
        SqliteConnection.ClearPool(readers); // the readers' pooled connections close with the store
    }
}
