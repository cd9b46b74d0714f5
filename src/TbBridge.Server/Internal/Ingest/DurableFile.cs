namespace TbBridge.Server.Internal.Ingest;

/// <summary>The one way a stream's event file goes back to what was acked: on rollback, on resume and at start.</summary>
internal static class DurableFile
{
    /// <summary>
    /// Cuts the file at <paramref name="path"/> back to its first <paramref name="durableLength"/> bytes, durably; a file
    /// with nothing durable is removed (an empty file would stop TensorBoard following an older one). Returns the length
    /// the file had, or null when there is none.
    /// </summary>
    public static long? CutBack(string path, long durableLength)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (durableLength == 0)
        {
            long had = new FileInfo(path).Length;
            File.Delete(path);
            return had;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        long length = RandomAccess.GetLength(handle);
        if (length > durableLength)
        {
            RandomAccess.SetLength(handle, durableLength);
            RandomAccess.FlushToDisk(handle);
        }

        return length;
    }
}
