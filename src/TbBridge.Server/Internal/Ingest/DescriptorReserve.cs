using System.Globalization;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Keeps this process off its limit of open file descriptors. A thread the .NET runtime starts on Linux takes
/// descriptors of its own (a pipe), and one that cannot get them aborts the whole process ("Out of memory.",
/// SIGABRT): a service whose streams took the last descriptors died as soon as many of them ended at once and the
/// thread pool grew to end them. So a new stream is refused while fewer than <see cref="Reserve"/> descriptors are
/// free, and what the runtime needs is still there.
/// </summary>
internal sealed class DescriptorReserve
{
    private const string LimitsFile = "/proc/self/limits", DescriptorsFolder = "/proc/self/fd";

    private DescriptorReserve(int limit)
    {
        Limit = limit;
        Reserve = Math.Clamp(limit / 16, 32, 1024);
    }

    /// <summary>This process's, or null where its limit or open descriptors cannot be read (not Linux, no /proc).</summary>
    public static DescriptorReserve? ForThisProcess { get; } = Read();

    /// <summary>The soft limit on open descriptors (<c>ulimit -n</c>).</summary>
    public int Limit { get; }

    /// <summary>The descriptors kept free: a sixteenth of the limit, 32 to 1,024.</summary>
    public int Reserve { get; }

    /// <summary>False when a new stream would leave fewer than <see cref="Reserve"/> descriptors free.</summary>
    public bool HasRoom(out int open)
    {
        open = Directory.EnumerateFileSystemEntries(DescriptorsFolder).Count();
        return open + Reserve < Limit;
    }

    private static DescriptorReserve? Read()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(DescriptorsFolder))
        {
            return null;
        }

        try
        {
            // "Max open files            1024                 524288               files"
            string? line = File.ReadLines(LimitsFile).FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            string[] fields = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
            return fields.Length > 0 && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int limit)
                ? new DescriptorReserve(limit)
                : null; // "unlimited", or a format this does not know
        }
        catch (IOException)
        {
            return null;
        }
    }
}
