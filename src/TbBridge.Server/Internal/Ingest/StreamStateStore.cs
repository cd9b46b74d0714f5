using Microsoft.Data.Sqlite;
using TbBridge.Server.Internal.Storage;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Resume state per stream id in SQLite (<c>tbbridge.db</c> in the data directory, WAL, synchronous=FULL),
/// written once per group commit, after the event files it describes are fsync'd.
/// </summary>
internal sealed class StreamStateStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    public StreamStateStore(string databasePath)
    {
        _connection = SqliteDatabase.Open(databasePath, fullSync: true);
        SqliteDatabase.Execute(_connection, """
            CREATE TABLE IF NOT EXISTS streams (
                stream_id TEXT PRIMARY KEY,
                project TEXT NOT NULL,
                run TEXT NOT NULL,
                worker TEXT NOT NULL,
                host TEXT NOT NULL,
                last_sequence INTEGER NOT NULL,
                file TEXT,
                file_offset INTEGER NOT NULL)
            """);
    }

    public IReadOnlyList<StreamState> LoadAll()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT stream_id, project, run, worker, host, last_sequence, file, file_offset FROM streams";
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

    /// <summary>Writes every state in one transaction; durable when it returns.</summary>
    public void SaveAll(IReadOnlyCollection<StreamState> states)
    {
        if (states.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO streams (stream_id, project, run, worker, host, last_sequence, file, file_offset)
                VALUES ($id, $project, $run, $worker, $host, $seq, $file, $offset)
                ON CONFLICT(stream_id) DO UPDATE SET host = excluded.host, last_sequence = excluded.last_sequence,
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
                seq.Value = (long)state.LastSequence;
                file.Value = (object?)state.File ?? DBNull.Value;
                offset.Value = state.FileOffset;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }
}
