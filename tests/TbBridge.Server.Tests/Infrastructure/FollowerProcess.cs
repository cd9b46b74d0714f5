using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// <c>tbbridge upload &lt;logdir&gt; --follow</c> as a long-running process (like <see cref="CliProcess"/>), which a
/// test stops the way a user or an orchestrator does: SIGTERM (docker stop, a pod ending) or SIGKILL (a crash).
/// </summary>
internal sealed class FollowerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Task _output;
    private readonly Task<string> _error;

    private FollowerProcess(Process process)
    {
        _process = process;
        _output = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                _lines.Enqueue(line);
            }
        });
        _error = process.StandardError.ReadToEndAsync();
    }

    public string Output => string.Join('\n', _lines);

    public static FollowerProcess Start(string logDir, string server, string project)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "tbbridge.dll");
        string baseName = Path.Combine(AppContext.BaseDirectory, typeof(FollowerProcess).Assembly.GetName().Name!);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["exec", "--runtimeconfig", baseName + ".runtimeconfig.json", "--depsfile", baseName + ".deps.json", dll,
                     "upload", logDir, "--follow", "--poll", "00:00:00.100", "--server", server, "--project", project, "--batch", "64"])
        {
            start.ArgumentList.Add(arg);
        }

        return new FollowerProcess(Process.Start(start)!);
    }

    /// <summary>Sends SIGTERM and waits for the follower to drain and exit.</summary>
    public async Task<(int ExitCode, string Output, string Error)> StopAsync()
    {
        // libc's kill(2), not the kill binary: Debian 13's minimal userland (eng/in-trixie.sh, CI) has no procps.
        Assert.True(SysKill(_process.Id, SigTerm) == 0, $"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await _output;
        return (_process.ExitCode, Output, await _error);
    }

    /// <summary>SIGKILL: nothing is drained, as when the box or the container dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
