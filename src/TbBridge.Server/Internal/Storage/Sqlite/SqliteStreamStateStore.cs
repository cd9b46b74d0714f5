using Microsoft.Data.Sqlite;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Internal.Storage.Sqlite;

/// <summary>
/// Resume state per stream in SQLite (<c>tbbridge.db</c> in the data directory, WAL, synchronous=FULL), keyed by
/// project and stream id: a stream's file is registered before its first byte is written, and its durable sequence
/// and offset are saved once per group commit, after the file is fsync'd.
/// </summary>
internal sealed class SqliteStreamStateStore : IStreamStateStore
{
    private const string Columns = "stream_id, project, run, worker, host, last_sequence, file, file_offset";
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    public SqliteStreamStateStore(string databasePath)
    {
        _connection = SqliteDatabase.Open(databasePath, fullSync: true);
        Migrate();
    }

    /// <summary>One service holds the data directory (its lock): nothing to claim or fence.</summary>
    public bool IsShared => false;

    public StreamClaim Claim(StreamIdentity identity, StreamState? known, Func<string, long, (ulong Sequence, long End)?> prove) => StreamClaim.Unshared(known);

    public long? SealedLength(StreamKey key, string file) => null;

    public bool TryJudge(StreamKey key, long epoch) => true;

    public IReadOnlyList<OrphanedStream> ClaimOrphans() => [];

    public bool ConfirmOrphan(OrphanedStream orphan) => false;

    public void MarkStalled(StreamKey key, long epoch)
    {
    }

    public void Release(StreamState state, bool broken)
    {
    }

    public IReadOnlyList<StreamState> LoadAll()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM streams";
            using var reader = command.ExecuteReader();
            var states = new List<StreamState>();
            while (reader.Read())
            {
                var identity = new StreamIdentity(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(0));
                states.Add(new StreamState(identity, (ulong)reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt64(7)));
            }

            return states;
        }
    }

    /// <summary>Writes every state in one transaction; durable when it returns. A state never goes back to a lower sequence.</summary>
    public IReadOnlyCollection<StreamKey> SaveAll(IReadOnlyCollection<StreamState> states)
    {
        if (states.Count == 0)
        {
            return [];
        }

        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            // Sequences are at most 2^63-1 (the engine refuses larger ones), so the signed column compares them right.
            command.CommandText = $"""
                INSERT INTO streams ({Columns})
                VALUES ($id, $project, $run, $worker, $host, $seq, $file, $offset)
                ON CONFLICT(project, stream_id) DO UPDATE SET host = excluded.host, last_sequence = excluded.last_sequence,
                    file = excluded.file, file_offset = excluded.file_offset
                WHERE excluded.last_sequence >= streams.last_sequence
                """;
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var project = command.Parameters.Add("$project", SqliteType.Text);
            var run = command.Parameters.Add("$run", SqliteType.Text);
            var worker = command.Parameters.Add("$worker", SqliteType.Text);
            var host = command.Parameters.Add("$host", SqliteType.Text);
            var seq = command.Parameters.Add("$seq", SqliteType.Integer);
            var file = command.Parameters.Add("$file", SqliteType.Text);
            var offset = command.Parameters.Add("$offset", SqliteType.Integer);
            foreach (var state in states)
            {
                id.Value = state.Identity.StreamId;
                project.Value = state.Identity.Project;
                run.Value = state.Identity.Run;
                worker.Value = state.Identity.Worker;
                host.Value = state.Identity.Host;
                seq.Value = checked((long)state.LastSequence);
                file.Value = (object?)state.File ?? DBNull.Value;
                offset.Value = state.FileOffset;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        return [];
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }

    /// <summary>
    /// Creates the table, or moves a database of an older service (stream ids unique across projects, the key
    /// that let one project's caller end another's stream) to the per-project key; its rows are kept as they are.
    /// </summary>
    private void Migrate()
    {
        const string create = """
            CREATE TABLE IF NOT EXISTS streams (
                stream_id TEXT NOT NULL,
                project TEXT NOT NULL,
                run TEXT NOT NULL,
                worker TEXT NOT NULL,
                host TEXT NOT NULL,
                last_sequence INTEGER NOT NULL,
                file TEXT,
                file_offset INTEGER NOT NULL,
                PRIMARY KEY (project, stream_id))
            """;
        bool keyedByIdAlone;
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('streams') WHERE pk > 0";
            keyedByIdAlone = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }

        if (!keyedByIdAlone)
        {
            SqliteDatabase.Execute(_connection, create);
            return;
        }

        using var transaction = _connection.BeginTransaction();
        foreach (string sql in new[] { "ALTER TABLE streams RENAME TO streams_v1", create, $"INSERT INTO streams ({Columns}) SELECT {Columns} FROM streams_v1", "DROP TABLE streams_v1" })
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
