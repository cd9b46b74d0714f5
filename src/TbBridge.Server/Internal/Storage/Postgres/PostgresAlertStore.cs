using Microsoft.Extensions.Logging;
using Npgsql;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>
/// Alerts shared by replicas. An insert is deduplicated on its condition (worker, rule, tag, step: the
/// <c>alerts_condition</c> key), numbered by the table's sequence under a transaction-scoped advisory lock (so ids
/// commit in order and "everything above the last id seen" misses nothing), and announced with NOTIFY in its own
/// transaction. Each replica LISTENs on one connection and, on every notification, after every reconnect and every
/// couple of seconds besides, reads what is above the last id it published: each alert reaches it once, in order.
/// </summary>
internal sealed partial class PostgresAlertStore : IAlertStore
{
    private const string Channel = "tbbridge_alerts";
    private const long OrderLockKey = 0x54424241; // "TBBA"
    private const string Columns = "id, project, run, worker, kind, severity, tag, step, message, raised_at, tags, subject, hint, evidence";
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    private readonly PostgresReplica _replica;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private readonly Lock _gate = new();
    private Action<IReadOnlyList<AlertRecord>>? _published;
    private Task? _feed;
    private long _lastPublished;

    public PostgresAlertStore(PostgresReplica replica, ILogger<PostgresAlertStore> logger)
    {
        _replica = replica;
        _logger = logger;
        _lastPublished = MaxId();
    }

    public bool IsShared => true;

    /// <summary>True while the feed's connection is listening (readiness).</summary>
    public bool Listening { get; private set; }

    /// <summary>The feed starts with its first subscriber, from the highest id stored when the store opened.</summary>
    public event Action<IReadOnlyList<AlertRecord>>? Published
    {
        add
        {
            lock (_gate)
            {
                _published += value;
                _feed ??= Task.Run(FollowAsync);
            }
        }

        remove
        {
            lock (_gate)
            {
                _published -= value;
            }
        }
    }

    /// <summary>Ids come from the table's sequence, which never gives one twice: nothing to reserve.</summary>
    public long ReservedId() => 0;

    public void ReserveIds(long upTo)
    {
    }

    public long MaxId() => Guard(() =>
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("SELECT COALESCE(MAX(id), 0) FROM alerts", connection);
        return (long)command.ExecuteScalar()!;
    });

    public AlertRecord? Add(AlertRecord alert) => Guard(() =>
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var order = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({OrderLockKey})", connection, transaction))
        {
            order.ExecuteNonQuery();
        }

        using var insert = new NpgsqlCommand(
            """
            INSERT INTO alerts (project, run, worker, kind, severity, tag, step, message, raised_at, tags, subject, hint, evidence)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT ON CONSTRAINT alerts_condition DO NOTHING RETURNING id
            """,
            connection,
            transaction);
        foreach (object value in new object[]
        {
            alert.Project, alert.Run, alert.Worker, alert.Kind, AlertColumns.SeverityCode(alert.Severity), alert.Tag, alert.Step, alert.Message,
            alert.RaisedAt, AlertColumns.Tags(alert.Tags), alert.Subject, alert.Hint, AlertColumns.Evidence(alert.Evidence),
        })
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        if (insert.ExecuteScalar() is not long id)
        {
            transaction.Commit();
            return null; // this condition of this worker was raised before, here or on another replica
        }

        using (var notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', $1)", connection, transaction))
        {
            notify.Parameters.Add(new NpgsqlParameter { Value = id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            notify.ExecuteNonQuery();
        }

        transaction.Commit();
        return alert with { Id = id };
    });

    public IReadOnlyList<AlertRecord> Query(AlertQuery query, long afterId, long upToId, int limit) => Guard(() =>
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            $"""
            SELECT {Columns} FROM alerts
            WHERE id > $1 AND id <= $2 AND ($3::text IS NULL OR project = $3) AND ($4::text IS NULL OR run = $4) AND ($5::text IS NULL OR worker = $5)
            ORDER BY id
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = afterId });
        command.Parameters.Add(new NpgsqlParameter { Value = upToId });
        command.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrEmpty(query.Project) ? DBNull.Value : query.Project, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrEmpty(query.Run) ? DBNull.Value : query.Run, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Worker is null ? DBNull.Value : query.Worker, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var result = new List<AlertRecord>();
        using var reader = command.ExecuteReader();
        while (result.Count < limit && reader.Read())
        {
            var alert = Read(reader);
            if (query.Matches(alert))
            {
                result.Add(alert);
            }
        }

        return (IReadOnlyList<AlertRecord>)result;
    });

    public IReadOnlyDictionary<AlertSeverity, long> CountByRun(string project, string run) => Guard(() =>
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("SELECT severity, COUNT(*) FROM alerts WHERE project = $1 AND run = $2 GROUP BY severity", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        command.Parameters.Add(new NpgsqlParameter { Value = run });
        var counts = new Dictionary<AlertSeverity, long>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts[AlertColumns.SeverityFromCode(reader.GetInt32(0))] = reader.GetInt64(1);
        }

        return (IReadOnlyDictionary<AlertSeverity, long>)counts;
    });

    public void Dispose()
    {
        // Registered as itself and as IAlertStore: the container disposes it once per registration.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            _feed?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private static AlertRecord Read(NpgsqlDataReader reader)
    {
        string tag = reader.GetString(6);
        return new AlertRecord(
            reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            AlertColumns.SeverityFromCode(reader.GetInt32(5)), tag, reader.GetInt64(7), reader.GetString(8), reader.GetDouble(9),
            AlertColumns.ReadTags(reader.GetString(10), tag), reader.GetString(11), reader.GetString(12), AlertColumns.ReadEvidence(reader.GetString(13)));
    }

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (PostgresReplica.IsDatabaseError(ex))
        {
            throw PostgresReplica.Unreachable(ex);
        }
    }
}
