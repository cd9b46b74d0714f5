namespace TbBridge.Server.Internal.Storage;

/// <summary>The service's SQLite database is not a database, or is corrupt; the service must not start on it.</summary>
internal sealed class StateDatabaseDamagedException : IOException
{
    public StateDatabaseDamagedException()
    {
    }

    public StateDatabaseDamagedException(string message)
        : base(message)
    {
    }

    public StateDatabaseDamagedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StateDatabaseDamagedException(string path, Microsoft.Data.Sqlite.SqliteException innerException)
        : base($"the state database {path} is damaged ({innerException.Message.TrimEnd('.')}): it holds what each stream acknowledged and the alerts. Restore it from a backup (deploy/README.md); moving it aside starts the service without them, and an upload run again then sends its files again", innerException)
    {
    }

    /// <summary>SQLITE_CORRUPT (11) or SQLITE_NOTADB (26).</summary>
    public static bool IsDamage(Microsoft.Data.Sqlite.SqliteException error) => error.SqliteErrorCode is 11 or 26;
}
