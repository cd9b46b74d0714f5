using Microsoft.Data.Sqlite;

namespace TbBridge.Server.Internal.Storage.Sqlite;

/// <summary>Opens the service's SQLite database the same way for every store: WAL and a busy timeout.</summary>
internal static class SqliteDatabase
{
    public const string FileName = "tbbridge.db";

    /// <param name="path">The database file.</param>
    /// <param name="fullSync">fsync on every commit (resume state); off, a commit survives a process crash but not a power loss (alerts).</param>
    /// <param name="busyTimeout">How long a statement waits for another connection's lock before it fails (default 30 s; whole seconds, at least 1).</param>
    public static SqliteConnection Open(string path, bool fullSync, TimeSpan? busyTimeout = null)
    {
        int seconds = Math.Max(1, (int)Math.Ceiling((busyTimeout ?? TimeSpan.FromSeconds(30)).TotalSeconds));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = seconds,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(fullSync ? "FULL" : "NORMAL")}; PRAGMA busy_timeout={seconds * 1000};");
        }
        catch (SqliteException ex) when (StateDatabaseDamagedException.IsDamage(ex))
        {
            connection.Dispose();
            throw new StateDatabaseDamagedException(Path.GetFullPath(path), ex);
        }

        return connection;
    }

    /// <summary>
    /// A pooled connection for reads only, apart from the writer's: under WAL a read never waits for a write nor a write
    /// for a read, so a long history read does not hold up the alerts being stored. Return it by disposing it.
    /// </summary>
    public static SqliteConnection OpenReader(string readerConnectionString)
    {
        var connection = new SqliteConnection(readerConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>The readers' connection string (pooled); <see cref="SqliteConnection.ClearPool"/> with it closes them.</summary>
    public static string ReaderConnectionString(string path, TimeSpan busyTimeout) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWrite,
        Pooling = true,
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
    }.ToString();

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
