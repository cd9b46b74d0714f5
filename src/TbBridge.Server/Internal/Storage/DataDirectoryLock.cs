using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace TbBridge.Server.Internal.Storage;

/// <summary>
/// <c>&lt;data-dir&gt;/.tbbridge.lock</c>, held for the life of the process so that a second service on the same
/// data directory refuses to start before it touches anything there (it would otherwise open the live service's
/// state and cut its event files back). The lock is a POSIX record lock on the file (<see cref="FileStream.Lock"/>,
/// fcntl on Linux), which the kernel drops when the process ends however it ends, kill -9 included; the file
/// itself holds the holder's pid, so the refusal can name it. (An exclusive open, FileShare.None, would lock as
/// well but would keep the second service from reading that pid.)
/// </summary>
internal sealed class DataDirectoryLock : IHostedService, IDisposable
{
    public const string FileName = ".tbbridge.lock";
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file, string directory)
    {
        _file = file;
        Directory = directory;
    }

    public string Directory { get; }

    /// <summary>Takes the lock and writes this process's pid into it, or throws <see cref="DataDirectoryInUseException"/>.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        string directory = Path.GetFullPath(dataDirectory);
        System.IO.Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        FileStream file;
        try
        {
            file = OpenLocked(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataDirectoryInUseException(directory, ReadHolder(path), ex);
        }

        file.SetLength(0);
        file.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
        file.Flush(flushToDisk: true);
        return new DataDirectoryLock(file, directory);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _file.Dispose();

    private static FileStream OpenLocked(string path)
    {
        if (OperatingSystem.IsMacOS())
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); // no record locks there: flock
        }

        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            file.Lock(0, 1);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static string ReadHolder(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[32];
            int read = file.Read(buffer);
            string text = Encoding.ASCII.GetString(buffer, 0, read).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? "pid " + pid.ToString(CultureInfo.InvariantCulture) : "pid unknown";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "pid unknown";
        }
    }
}
