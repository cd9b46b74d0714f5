using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder whose connections a test can cut (reset) at will: the network failing. It runs on
/// threads of its own with blocking sockets, so that it keeps accepting and forwarding however busy the thread
/// pool of the test process is.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<IPEndPoint> _target;
    private readonly Lock _gate = new();
    private readonly List<Socket> _sockets = [];
    private readonly ConcurrentQueue<string> _events = new();
    private readonly Thread _acceptor;
    private volatile bool _stopping;
    private int _connections;

    public TcpProxy(Uri target)
        : this(() => target)
    {
    }

    /// <summary>A forwarder that asks, for each new connection, where to send it: a load balancer in front of replicas.</summary>
    public TcpProxy(Func<Uri> target)
    {
        _target = () => new IPEndPoint(IPAddress.Loopback, target().Port);
        _listener.Start();
        Address = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _acceptor = new Thread(Accept) { IsBackground = true, Name = "TcpProxy accept" };
        _acceptor.Start();
    }

    public string Address { get; }

    public int Cuts { get; private set; }

    /// <summary>Resets every open connection, both sides.</summary>
    public void CutAll()
    {
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                Reset(socket);
            }

            Note($"cut {_sockets.Count / 2} connections");
            _sockets.Clear();
            Cuts++;
        }
    }

    /// <summary>What the proxy did, with timestamps (for failure messages).</summary>
    public override string ToString() => string.Join(Environment.NewLine, _events);

    public ValueTask DisposeAsync()
    {
        _stopping = true;
        _listener.Stop();
        CutAll();
        _acceptor.Join();
        return ValueTask.CompletedTask;
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Accept()
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = _listener.AcceptSocket();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                if (_stopping)
                {
                    return;
                }

                Note($"accept failed, accepting on: {ex.Message}");
                continue;
            }

            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                upstream.Connect(_target());
            }
            catch (SocketException ex)
            {
                Note($"upstream connect failed: {ex.Message}");
                Reset(client);
                upstream.Dispose();
                continue;
            }

            int id = ++_connections;
            lock (_gate)
            {
                _sockets.Add(client);
                _sockets.Add(upstream);
            }

            Note($"connection {id} open");
            StartPump(client, upstream, $"connection {id} ->");
            StartPump(upstream, client, $"connection {id} <-");
        }
    }

    private void StartPump(Socket from, Socket to, string name) =>
        new Thread(() => Pump(from, to, name)) { IsBackground = true, Name = "TcpProxy " + name }.Start();

    private void Pump(Socket from, Socket to, string name)
    {
        long bytes = 0;
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = from.Receive(buffer)) > 0)
            {
                to.Send(buffer.AsSpan(0, read));
                bytes += read;
            }

            to.Shutdown(SocketShutdown.Send);
            Note($"{name} ended after {bytes} bytes");
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Note($"{name} cut after {bytes} bytes");
            Reset(to);
        }
    }

    private void Note(string what) =>
        _events.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} proxy: {what}"));
}
