using System.Diagnostics;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// The Python interpreter that runs samples/python-worker (one with Debian's python3-grpcio, python3-protobuf and
/// python3-grpc-tools), found once: <c>$TBBRIDGE_PYTHON</c>, then <c>/usr/bin/python3</c>, then <c>python3</c> on
/// PATH (on a developer machine that may be a pyenv shim without grpc, hence /usr/bin first).
/// </summary>
internal static class PythonWorker
{
    private const string Modules = "import grpc, grpc_tools.protoc, google.protobuf.message; grpc.StatusCode.UNAVAILABLE";

    private static readonly Lazy<(string? Interpreter, string Tried)> s_found = new(Find);

    /// <summary>The interpreter that imports grpc, grpc_tools and protobuf; null where none does.</summary>
    public static string? Interpreter => s_found.Value.Interpreter;

    /// <summary>True when env CI is "true": the Python worker's test must run, never skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The skip reason for a Python worker test here, or null to run it.</summary>
    public static string? SkipReason => IsCi || Interpreter is not null ? null : "no python3 with grpc here, so the Python worker test is skipped " + Why;

    /// <summary>Why, in one line (also the failure message under CI).</summary>
    public static string Why =>
        "(never under CI=true): install Debian's python3-grpcio python3-protobuf python3-grpc-tools, or set TBBRIDGE_PYTHON. Tried: " + s_found.Value.Tried;

    /// <summary>samples/python-worker in this checkout.</summary>
    public static string SampleDirectory => Path.Combine(RepoPaths.Root, "samples", "python-worker");

    /// <summary>Runs a script of the sample to its end (generate.py) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = PythonProcess.Start(Required(), Path.Combine(SampleDirectory, script), environment, args);
        int exitCode = await process.WaitForExitAsync(TimeSpan.FromMinutes(1));
        return (exitCode, process.Output + process.Error);
    }

    /// <summary>Starts a long-running script of the sample (the worker, the watcher).</summary>
    public static PythonProcess Start(string script, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        PythonProcess.Start(Required(), Path.Combine(SampleDirectory, script), environment, args);

    private static string Required()
    {
        Assert.True(Interpreter is not null, "No python3 with grpc " + Why);
        return Interpreter!;
    }

    private static (string?, string) Find()
    {
        var tried = new List<string>();
        string?[] candidates = [Environment.GetEnvironmentVariable("TBBRIDGE_PYTHON"), "/usr/bin/python3", "python3"];
        foreach (string? candidate in candidates.Distinct())
        {
            if (string.IsNullOrEmpty(candidate))
            {
                continue;
            }

            string? problem = Probe(candidate);
            if (problem is null)
            {
                return (candidate, string.Join("; ", tried));
            }

            tried.Add($"{candidate}: {problem}");
        }

        return (null, string.Join("; ", tried));
    }

    private static string? Probe(string interpreter)
    {
        try
        {
            var start = new ProcessStartInfo(interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Modules);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                return "did not answer within 30 s";
            }

            string lastLine = error.Result.Trim().Split('\n')[^1];
            return process.ExitCode == 0 ? null : lastLine;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }
}
