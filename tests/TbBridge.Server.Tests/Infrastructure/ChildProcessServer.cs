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

    private ChildProcessServer(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    public string Address { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<ChildProcessServer> StartAsync(string dataDirectory, int port)
    {
        string serverDll = typeof(TbBridgeServerApp).Assembly.Location;
        string address = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { serverDll, "--urls", address, "--data-dir", dataDirectory, "--Serilog:MinimumLevel:Default=Warning" },
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ChildProcessServer(process, address);
        await server.WaitServingAsync();
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

    public void Dispose()
    {
        Kill();
        _process.Dispose();
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
                throw new InvalidOperationException($"The server process exited with code {_process.ExitCode}.");
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
