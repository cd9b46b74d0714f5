using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// The real service in its own process (<c>dotnet TbBridge.Server.dll</c>), so a test can kill it the way a
/// crash does: SIGKILL, no shutdown code runs.
/// </summary>
internal sealed class ChildProcessServer : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr;

    private ChildProcessServer(Process process, string address, ConcurrentQueue<string> stderr)
    {
        _process = process;
        Address = address;
        _stderr = stderr;
    }

    public string Address { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The process's peak resident memory so far (VmHWM in /proc/PID/status), in bytes.</summary>
    public long PeakResidentBytes()
    {
        string line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>The process's open descriptors now (/proc/PID/fd).</summary>
    public int OpenDescriptors() => Directory.GetFileSystemEntries($"/proc/{_process.Id}/fd").Length;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <param name="dataDirectory">The service's data directory (also its working directory).</param>
    /// <param name="port">The loopback port it listens on.</param>
    /// <param name="maxOpenFiles">When set, the process runs under this descriptor limit (<c>ulimit -n</c>, soft and hard).</param>
    /// <param name="settings">More command-line settings, e.g. <c>--TbBridge:Anonymous=None</c>.</param>
    /// <exception cref="ServerExitedException">The process ended before it served, with its exit code and stderr.</exception>
    public static async Task<ChildProcessServer> StartAsync(string dataDirectory, int port, int? maxOpenFiles = null, params string[] settings)
    {
        string serverDll = typeof(TbBridgeServerApp).Assembly.Location;
        string address = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo(maxOpenFiles is null ? "dotnet" : "bash")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (maxOpenFiles is { } limit)
        {
            // bash's own ulimit (bash is on every box the tests run on), then exec: the service is the shell's process.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"ulimit -n {limit} && exec \"$0\" \"$@\"");
            start.ArgumentList.Add("dotnet");
        }

        foreach (string argument in (string[])[serverDll, "--urls", address, "--web-urls", "http://127.0.0.1:0", "--data-dir", dataDirectory, "--Serilog:MinimumLevel:Default=Warning", .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        var stderr = new ConcurrentQueue<string>();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                stderr.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ChildProcessServer(process, address, stderr);
        try
        {
            await server.WaitServingAsync();
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>SIGKILL: buffers, pending commits and shutdown hooks are lost, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, then waits (up to a minute) for the process to end: a stop on purpose, as a rolling update does.</summary>
    public bool Terminate()
    {
        Signal("TERM");
        return _process.WaitForExit(TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGSTOP: the process is frozen (as by a long GC pause, a stuck disk or a paused VM) until <see cref="Continue"/>.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>: it goes on where it was, unaware of the time that passed.</summary>
    public void Continue() => Signal("CONT");

    /// <summary>What it wrote on stderr so far (for failure messages).</summary>
    public string Errors => string.Join(Environment.NewLine, _stderr);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Continue(); // a frozen process cannot die of SIGKILL until it runs again on some kernels' accounting; be sure
        }

        Kill();
        _process.Dispose();
    }

    private void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    private async Task WaitServingAsync()
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // stderr read to its end
                throw new ServerExitedException(_process.ExitCode, [.. _stderr]);
            }

            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException("The server did not become healthy.");
            }

            await Task.Delay(100);
        }
    }
}
