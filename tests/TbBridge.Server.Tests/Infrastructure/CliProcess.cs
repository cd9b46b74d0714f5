using System.Diagnostics;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Runs the real <c>tbbridge</c> command (its dll, built beside the tests), or another program referenced by the
/// tests, and captures what it prints. It runs with the test assembly's runtime config and deps file: the test
/// output shares ASP.NET's framework assemblies rather than copying them, and the command's own deps file would
/// not find them.
/// </summary>
internal static class CliProcess
{
    /// <summary>Where the commands this test process runs keep their upload ledgers (one folder per test process).</summary>
    public static readonly string StateDirectory = Path.Combine(Path.GetTempPath(), $"tbbridge-test-state-{Environment.ProcessId}");

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        RunProgramAsync("tbbridge", args);

    /// <summary>Runs <paramref name="program"/>.dll from the test output, e.g. the TorchSharp sample.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunProgramAsync(string program, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, program + ".dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["TBBRIDGE_STATE_DIR"] = CliProcess.StateDirectory; // upload ledgers: the test run's own, shared by its processes
        string baseName = Path.Combine(AppContext.BaseDirectory, typeof(CliProcess).Assembly.GetName().Name!);
        foreach (string arg in (string[])["exec", "--runtimeconfig", baseName + ".runtimeconfig.json", "--depsfile", baseName + ".deps.json", dll])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await error);
    }
}
