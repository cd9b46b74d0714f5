using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// <c>tbbridge upload &lt;logdir&gt; --follow</c> as a long-running process (like <see cref="CliProcess"/>), which a
/// test stops the way a user or an orchestrator does: SIGTERM (docker stop, a pod ending) or SIGKILL (a crash).
/// </summary>
internal sealed partial class FollowerProcess : CapturedProcess
{
    private const int SigTerm = 15;

    private FollowerProcess(Process process)
        : base(process)
    {
    }

    public static FollowerProcess Start(string logDir, string server, string project)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "tbbridge.dll");
        string baseName = Path.Combine(AppContext.BaseDirectory, typeof(FollowerProcess).Assembly.GetName().Name!);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["TBBRIDGE_STATE_DIR"] = CliProcess.StateDirectory; // upload ledgers: the test run's own, shared by its processes
        foreach (string arg in (string[])["exec", "--runtimeconfig", baseName + ".runtimeconfig.json", "--depsfile", baseName + ".deps.json", dll,
                     "upload", logDir, "--follow", "--poll", "100ms", "--server", server, "--project", project, "--batch", "64"])
        {
            start.ArgumentList.Add(arg);
        }

        return new FollowerProcess(Process.Start(start)!);
    }

    /// <summary>Sends SIGTERM and waits for the follower to drain and exit.</summary>
    public async Task<(int ExitCode, string Output, string Error)> StopAsync()
    {
        // kill(2) itself: a minimal userland (CI's Debian 13 one) has no kill program.
        if (Kill(Process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({Process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await OutputEnded();
        return (Process.ExitCode, Output, await ErrorText());
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
