using System.Collections.Concurrent;
using System.Diagnostics;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>A child process whose output lines are collected as they come, killed (with its children) on dispose.</summary>
internal abstract class CapturedProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Task _output;
    private readonly Task<string> _error;

    protected CapturedProcess(Process process)
    {
        Process = process;
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

    public bool HasExited => Process.HasExited;

    protected Process Process { get; }

    /// <summary>SIGKILL, to the process and its children: nothing is drained, as when the box or the container dies.</summary>
    public void Kill()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }

    /// <summary>Completes when both output streams have ended (after the exit).</summary>
    protected Task OutputEnded() => Task.WhenAll(_output, _error);

    protected Task<string> ErrorText() => _error;
}
