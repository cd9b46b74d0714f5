using Microsoft.Data.Sqlite;

namespace TbBridge.Server.Internal.Storage;

/// <summary>Opens the service's SQLite database the same way for every store: WAL and a busy timeout.</summary>
internal static class SqliteDatabase
{
    public const string FileName = "tbbridge.db";

    /// <param name="path">The database file.</param>
    /// <param name="fullSync">fsync on every commit (resume state); off, a commit survives a process crash but not a power loss (alerts).</param>
    public static SqliteConnection Open(string path, bool fullSync)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        Execute(connection, fullSync
            ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;"
            : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;");
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
