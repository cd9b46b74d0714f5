using System.Diagnostics;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>A script of samples/python-worker as a process: its output lines as they come, its exit, a kill on dispose.</summary>
internal sealed class PythonProcess : CapturedProcess
{
    private PythonProcess(Process process)
        : base(process)
    {
    }

    public static PythonProcess Start(string interpreter, string script, IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        start.ArgumentList.Add("-u");
        start.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new PythonProcess(Process.Start(start)!);
    }

    /// <summary>Waits for the exit (and the end of its output); a process still running then is killed and fails the test.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await Process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            await OutputEnded();
            Assert.Fail($"the Python process did not exit within {timeout.TotalSeconds:0} s; its output:\n{Output}\n{Error}");
        }

        await OutputEnded();
        return Process.ExitCode;
    }
}
