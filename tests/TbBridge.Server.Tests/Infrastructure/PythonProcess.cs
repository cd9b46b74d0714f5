using System.Collections.Concurrent;
using System.Diagnostics;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>A script of samples/python-worker as a process: its output lines as they come, its exit, a kill on dispose.</summary>
internal sealed class PythonProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Task _output;
    private readonly Task<string> _error;

    private PythonProcess(Process process)
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

    /// <summary>Every line printed so far.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    /// <summary>Standard error, once the process has exited (empty before).</summary>
    public string Error => _error.IsCompleted ? _error.Result : "";

    public bool HasExited => _process.HasExited;

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
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            await Task.WhenAll(_output, _error);
            Assert.Fail($"the Python process did not exit within {timeout.TotalSeconds:0} s; its output:\n{Output}\n{Error}");
        }

        await Task.WhenAll(_output, _error);
        return _process.ExitCode;
    }

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
}
