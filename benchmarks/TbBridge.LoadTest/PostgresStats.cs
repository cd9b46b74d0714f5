using Npgsql;

namespace TbBridge.LoadTest;

/// <summary>The database's own counters (pg_stat_database): what the replicas cost PostgreSQL.</summary>
internal readonly record struct PostgresStats(long Commits, long Updated, long Inserted)
{
    public static PostgresStats Read(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using (var flush = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", connection))
        {
            flush.ExecuteNonQuery();
        }

        using var command = new NpgsqlCommand("SELECT xact_commit, tup_updated, tup_inserted FROM pg_stat_database WHERE datname = current_database()", connection);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new PostgresStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public static PostgresStats operator -(PostgresStats a, PostgresStats b) => new(a.Commits - b.Commits, a.Updated - b.Updated, a.Inserted - b.Inserted);
}
