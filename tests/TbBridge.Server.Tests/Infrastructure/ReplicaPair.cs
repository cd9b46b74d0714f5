using Grpc.Net.Client;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Two real service processes on one data directory and one PostgreSQL database, behind a loopback TCP forwarder
/// that stands in for the load balancer: each new connection goes to the replica <see cref="Route"/> names.
/// </summary>
internal sealed class ReplicaPair : IAsyncDisposable
{
    private readonly string _postgres;
    private readonly string[] _settings;
    private readonly ChildProcessServer?[] _replicas = new ChildProcessServer?[2];
    private readonly int[] _ports = [ChildProcessServer.FreePort(), ChildProcessServer.FreePort()];

    private ReplicaPair(string dataDirectory, string postgres, string[] settings)
    {
        DataDirectory = dataDirectory;
        _postgres = postgres;
        _settings = settings;
        Balancer = new TcpProxy(() => new Uri($"http://127.0.0.1:{_ports[Route]}"));
        Channel = GrpcChannel.ForAddress(Balancer.Address);
    }

    public string DataDirectory { get; }

    /// <summary>Which replica (0 or 1) the balancer sends new connections to.</summary>
    public int Route { get; set; }

    public TcpProxy Balancer { get; }

    /// <summary>A channel to the balancer: what a worker knows.</summary>
    public GrpcChannel Channel { get; }

    public ChildProcessServer this[int index] => _replicas[index] ?? throw new InvalidOperationException($"replica {index} is not running");

    public string AddressOf(int index) => $"http://127.0.0.1:{_ports[index]}";

    /// <summary>Starts both replicas at once (neither waits for the other, so their migrations race).</summary>
    public static async Task<ReplicaPair> StartAsync(string dataDirectory, string postgres, params string[] settings)
    {
        var pair = new ReplicaPair(dataDirectory, postgres, settings);
        try
        {
            await Task.WhenAll(pair.StartAsync(0), pair.StartAsync(1));
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }

        return pair;
    }

    public async Task StartAsync(int index)
    {
        _replicas[index]?.Dispose();
        _replicas[index] = await ChildProcessServer.StartAsync(
            DataDirectory, _ports[index], null, ["--TbBridge:Postgres=" + _postgres, "--TbBridge:ReplicaTimeout=00:00:02", .. _settings]);
    }

    public void Kill(int index) => _replicas[index]?.Kill();

    /// <summary>Stops a replica on purpose (SIGTERM) and waits for it to end.</summary>
    public bool Terminate(int index) => _replicas[index]?.Terminate() ?? true;

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Balancer.DisposeAsync();
        foreach (var replica in _replicas)
        {
            replica?.Dispose();
        }
    }
}
