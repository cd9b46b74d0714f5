using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using TbBridge.Events;
using TbBridge.LoadTest;

// dotnet run -c Release --project benchmarks/TbBridge.LoadTest -- --workers 64 --seconds 60
var options = LoadTestOptions.Parse(args);
string dataDirectory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "tbbridge-load-" + Guid.NewGuid().ToString("N")[..8]);
Process? server = null;
Process? second = null;
int webPort = FreePort();
string address = options.Server ?? StartServer(dataDirectory, webPort, options.Postgres, out server);
string? secondAddress = options.Postgres is null ? null : StartServer(dataDirectory, FreePort(), options.Postgres, out second);
var pgBefore = options.Postgres is null ? default : PostgresStats.Read(options.Postgres);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"TbBridge load test: {options.Workers} workers ({options.WorkersPerRun} per run) x {options.BatchPoints} points/batch, window {options.Window}, {options.Tags} tags, {(options.RatePerWorker > 0 ? $"{options.RatePerWorker:N0} points/s per worker" : "unpaced")}, {options.Seconds} s, server {address}, data {dataDirectory}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}"));

try
{
    using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        MaxSendMessageSize = null,
    });
    await WaitHealthyAsync(channel);
    using var secondChannel = secondAddress is null ? null : GrpcChannel.ForAddress(secondAddress);
    if (secondChannel is not null)
    {
        await WaitHealthyAsync(secondChannel);
        pgBefore = PostgresStats.Read(options.Postgres!);
    }

    using var stop = new CancellationTokenSource();
    // Every worker is its own process in real life, with its own connection: so here too.
    // With two replicas, connections alternate between them, as a load balancer by connection spreads them.
    var channels = Enumerable.Range(0, options.Workers + 1)
        .Select(i => GrpcChannel.ForAddress(secondAddress is not null && i % 2 == 1 ? secondAddress : address, new GrpcChannelOptions { MaxSendMessageSize = null }))
        .ToArray();
    var workers = Enumerable.Range(0, options.Workers).Select(i => new Worker(channels[i], options, i)).ToArray();
    var probe = new NanProbe(channels[^1], TimeSpan.FromSeconds(options.ProbeInterval), secondChannel);
    var cpuBefore = (server?.TotalProcessorTime ?? TimeSpan.Zero) + (second?.TotalProcessorTime ?? TimeSpan.Zero);
    var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var running = workers.Select(w => Task.Run(() => w.RunAsync(stop.Token))).ToList();
    var probing = Task.Run(() => probe.RunAsync(stop.Token));
    var viewers = new PageViewers($"http://127.0.0.1:{webPort}", options.PageViewers, options.Workers / options.WorkersPerRun);
    var viewing = viewers.RunAsync(stop.Token);

    long warmAcked = 0;
    double warmAt = 0;
    for (int s = 1; s <= options.Seconds; s++)
    {
        await Task.Delay(TimeSpan.FromSeconds(s) - clock.Elapsed);
        long acked = workers.Sum(w => w.AckedPoints);
        if (s == 5)
        {
            (warmAcked, warmAt) = (acked, clock.Elapsed.TotalSeconds);
        }

        if (s % 5 == 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  t={s,3}s acked {acked,14:N0} points ({acked / clock.Elapsed.TotalSeconds,12:N0}/s)"));
        }
    }

    long ackedAtEnd = workers.Sum(w => w.AckedPoints);
    double endAt = clock.Elapsed.TotalSeconds;
    await stop.CancelAsync();
    await Task.WhenAll(running);
    await probing;
    await viewing;
    var cpu = (server?.TotalProcessorTime ?? TimeSpan.Zero) + (second?.TotalProcessorTime ?? TimeSpan.Zero) - cpuBefore;
    if (options.Postgres is not null)
    {
        var pg = PostgresStats.Read(options.Postgres) - pgBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PostgreSQL over {endAt:F1} s: {pg.Commits / endAt:N0} commits/s, {pg.Updated / endAt:N0} rows updated/s, {pg.Inserted / endAt:N0} rows inserted/s (for {options.Workers} streams on 2 replicas)"));
    }
    foreach (var c in channels)
    {
        c.Dispose();
    }

    var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore;

    long sent = workers.Sum(w => w.SentPoints);
    long acked2 = workers.Sum(w => w.AckedPoints);
    var ackLatencies = workers.SelectMany(w => w.AckLatenciesMs).Order().ToArray();
    var timings = probe.Timings;
    var nanLatencies = timings.Select(t => t.TotalMs).Order().ToArray();
    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Sustained (t=5..{options.Seconds}s): {(ackedAtEnd - warmAcked) / (endAt - warmAt):N0} scalar points/s acked durable; whole run {ackedAtEnd / endAt:N0}/s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Points sent {sent:N0}, acked {acked2:N0} ({(sent == acked2 ? "all acked" : "NOT ALL ACKED")})"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Ack latency (write to durable ack, {ackLatencies.Length:N0} batches): p50 {Percentile(ackLatencies, 50):F1} ms, p99 {Percentile(ackLatencies, 99):F1} ms, max {ackLatencies.LastOrDefault():F1} ms"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"NaN to alert on Watch ({nanLatencies.Length} of {probe.Sent} probes): p50 {Percentile(nanLatencies, 50):F1} ms, p99 {Percentile(nanLatencies, 99):F1} ms, p99.9 {Percentile(nanLatencies, 99.9):F1} ms, max {nanLatencies.LastOrDefault():F1} ms"));
    foreach (var (name, stage) in new (string, Func<ProbeTiming, double>)[] { ("until raised", t => t.RaisedMs), ("raised to read", t => t.DeliveredMs), ("probe's ack", t => t.AckedMs ?? double.NaN) })
    {
        var sorted = timings.Select(stage).Where(double.IsFinite).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  of which {name}: p50 {Percentile(sorted, 50):F1} ms, p99 {Percentile(sorted, 99):F1} ms, max {sorted.LastOrDefault():F1} ms"));
    }

    foreach (var t in timings.OrderByDescending(t => t.TotalMs).Take(options.SlowestProbes))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  slow probe {t.Number} at {t.AtSeconds:F1} s: {t.TotalMs:F1} ms = raised after {t.RaisedMs:F0} ms (its batch acked after {t.AckedMs:F1} ms) + read {t.DeliveredMs:F0} ms later"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Load generator: GC pauses {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms in all ({GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2 collections), thread pool {ThreadPool.ThreadCount} threads"));
    if (options.PageViewers > 0)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Page: {options.PageViewers} viewers, {viewers.Requests:N0} JSON requests ({viewers.Failures} failed), {viewers.EventBytes / 1024.0:N0} KiB of events"));
    }

    if (server is not null)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Server CPU: {cpu.TotalSeconds:F1} s over {endAt:F1} s ({cpu.TotalSeconds / endAt * 100:F0} % of one core); load generator CPU {clientCpu.TotalSeconds / endAt * 100:F0} %"));
    }

    if (options.Verify)
    {
        var read = Stopwatch.StartNew();
        long onDisk = 0;
        var steps = new HashSet<(string, long)>();
        foreach (var run in LogDirectory.DiscoverRuns(Path.Combine(dataDirectory, "loadtest")).Where(r => r.Name.StartsWith("load-", StringComparison.Ordinal)))
        {
            var errors = new List<EventReadError>();
            foreach (var e in RunReader.ReadRun(run, errors))
            {
                foreach (var v in e.Values)
                {
                    if (v.Kind == ValueKind.Scalar)
                    {
                        onDisk++;
                    }
                }
            }

            if (errors.Count > 0)
            {
                Console.WriteLine($"READ ERRORS: {errors.Count}, first: {errors[0]}");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Read back: {onDisk:N0} scalar points in the event files ({(onDisk == acked2 ? "= acked: nothing lost, nothing twice" : "MISMATCH")}), read in {read.Elapsed.TotalSeconds:F1} s"));
    }
}
finally
{
    foreach (var process in new[] { server, second })
    {
        if (process is not null)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    if (options.DataDirectory is null)
    {
        Directory.Delete(dataDirectory, recursive: true);
    }
}

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string StartServer(string dataDirectory, int webPort, string? postgres, out Process process)
{
    int port = FreePort();
    string address = $"http://127.0.0.1:{port}";
    var start = new ProcessStartInfo("dotnet")
    {
        ArgumentList = { Path.Combine(AppContext.BaseDirectory, "TbBridge.Server.dll"), "--urls", address, "--web-urls", $"http://127.0.0.1:{webPort}", "--data-dir", dataDirectory, "--Serilog:MinimumLevel:Default=Warning", "--Serilog:MinimumLevel:Override:TbBridge.Server.Internal.Ingest=Debug",
            // Every worker of the load test calls from one loopback address, a probe stream on top.
            "--TbBridge:MaxStreamsPerAnonymousAddress=4096" },
        UseShellExecute = false,
    };
    if (postgres is not null)
    {
        start.ArgumentList.Add("--TbBridge:Postgres=" + postgres);
    }

    process = Process.Start(start)!;
    return address;
}

static async Task WaitHealthyAsync(GrpcChannel channel)
{
    var health = new Grpc.Health.V1.Health.HealthClient(channel);
    for (int i = 0; ; i++)
    {
        try
        {
            await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
            return;
        }
        catch (Grpc.Core.RpcException) when (i < 300)
        {
            await Task.Delay(100);
        }
    }
}
