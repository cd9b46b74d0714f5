using System.Diagnostics;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>A real, small filesystem (tmpfs with a size limit) that fills up the way a disk does: ENOSPC from write(2).</summary>
internal sealed class SmallFileSystem : IDisposable
{
    private static readonly Lazy<string?> s_unavailable = new(Probe);

    private SmallFileSystem(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Null when this machine can mount one (root, or a user namespace that allows it); otherwise why not.</summary>
    public static string? Unavailable => s_unavailable.Value;

    public static SmallFileSystem Mount(long bytes)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tbbridge-small-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        string? error = Run("mount", "-t", "tmpfs", "-o", FormattableString.Invariant($"size={bytes}"), "tmpfs", path);
        if (error is not null)
        {
            Directory.Delete(path);
            throw new InvalidOperationException("mount failed: " + error);
        }

        return new SmallFileSystem(path);
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "a size-limited tmpfs needs Linux";
        }

        try
        {
            using var probe = Mount(64 * 1024);
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "mounting a small tmpfs (a real full disk) needs root: " + ex.Message;
        }
    }

    private static string? Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : error.Trim();
    }
}

/// <summary>A fact that needs <see cref="SmallFileSystem"/>: skipped, saying why, where it cannot be mounted.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SmallFileSystemFactAttribute : FactAttribute
{
    public SmallFileSystemFactAttribute()
    {
        if (SmallFileSystem.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
