namespace TbBridge.Server.Internal.Storage;

/// <summary>Another service holds the data directory's lock; this one must not start.</summary>
internal sealed class DataDirectoryInUseException : IOException
{
    public DataDirectoryInUseException()
    {
    }

    public DataDirectoryInUseException(string message)
        : base(message)
    {
    }

    public DataDirectoryInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DataDirectoryInUseException(string directory, string holder, Exception innerException)
        : base($"the data directory {directory} is in use by another TbBridge service ({holder}, holding {Path.Combine(directory, DataDirectoryLock.FileName)}); stop it, or start this one with another --data-dir", innerException)
    {
    }
}
