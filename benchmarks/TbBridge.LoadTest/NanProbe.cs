using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Protocol.V1;

namespace TbBridge.LoadTest;

/// <summary>
/// Measures NaN-to-alert: every interval, a fresh run's worker sends a loss curve ending in NaN, and a
/// Watch stream (open for the whole test) times the nan_inf alert from the moment the NaN was written.
/// Each probe's latency is split in three by the clocks of this one machine: until the service raised the
/// alert (its <c>raised_at</c>), until the probe's batch was acknowledged, and from raising to the watcher's read.
/// </summary>
internal sealed class NanProbe
{
    private readonly GrpcChannel _channel;
    private readonly TimeSpan _interval;
    private readonly ConcurrentDictionary<string, Probe> _probes = new(StringComparer.Ordinal);

    private readonly GrpcChannel _watchChannel;

    /// <param name="channel">Where the probes' runs are sent.</param>
    /// <param name="interval">Between probes.</param>
    /// <param name="watchChannel">Where the alerts are watched (another replica's, to time the fan-out); default <paramref name="channel"/>.</param>
    public NanProbe(GrpcChannel channel, TimeSpan interval, GrpcChannel? watchChannel = null)
    {
        _channel = channel;
        _watchChannel = watchChannel ?? channel;
        _interval = interval;
    }

    public int Sent => _probes.Count;

    /// <summary>The probes whose alert arrived, in the order they were sent.</summary>
    public IReadOnlyList<ProbeTiming> Timings =>
        _probes.Values.Where(p => p.Read is not null).OrderBy(p => p.Number).Select(p => p.Timing()).ToList();

    public async Task RunAsync(CancellationToken stop)
    {
        var alerts = new AlertService.AlertServiceClient(_watchChannel);
        using var watchStop = new CancellationTokenSource();
        using var watch = alerts.Watch(new WatchAlertsRequest { NewOnly = true, Filter = new AlertFilter { Project = "loadtest", Kinds = { "nan_inf" } } }, cancellationToken: watchStop.Token);
        var watcher = WatchAsync(watch);
        var ingest = new IngestService.IngestServiceClient(_channel);
        var clock = Stopwatch.StartNew();
        int n = 0;
        while (!stop.IsCancellationRequested)
        {
            string run = $"probe-{n}";
            using (var call = ingest.Ingest())
            {
                await call.RequestStream.WriteAsync(new IngestRequest { Open = new OpenStream { Project = "loadtest", Run = run, Worker = "rank0", Host = "probe", StreamId = run + "-" + Guid.NewGuid().ToString("N") } });
                await call.ResponseStream.MoveNext(CancellationToken.None);
                var batch = new PointBatch { Sequence = 1, Tags = { "train/loss" }, Scalars = new ScalarColumns() };
                for (int i = 0; i < 30; i++)
                {
                    batch.Scalars.TagIndex.Add(0);
                    batch.Scalars.Step.Add(i);
                    batch.Scalars.Value.Add(i == 29 ? double.NaN : 3.0 - (i * 0.01));
                    batch.Scalars.WallTime.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
                }

                var probe = new Probe(n++, clock.Elapsed.TotalSeconds, Stopwatch.GetTimestamp(), UnixSeconds());
                _probes[run] = probe;
                await call.RequestStream.WriteAsync(new IngestRequest { Batch = batch });
                await call.RequestStream.CompleteAsync();
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    if (call.ResponseStream.Current.Ack is not null && probe.AckedAfterMs is null)
                    {
                        probe.AckedAfterMs = Stopwatch.GetElapsedTime(probe.SentTimestamp).TotalMilliseconds;
                    }
                }
            }

            try
            {
                await Task.Delay(_interval, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await Task.Delay(1000); // let the last alerts arrive
        await watchStop.CancelAsync();
        await watcher;
    }

    private static double UnixSeconds() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private async Task WatchAsync(AsyncServerStreamingCall<Alert> watch)
    {
        try
        {
            await foreach (var alert in watch.ResponseStream.ReadAllAsync())
            {
                long now = Stopwatch.GetTimestamp();
                double nowUnix = UnixSeconds();
                if (_probes.TryGetValue(alert.Run, out var probe))
                {
                    probe.Read = (now, alert.RaisedAt, nowUnix);
                }
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
        }
    }

    private sealed class Probe(int number, double atSeconds, long sentTimestamp, double sentUnix)
    {
        public int Number { get; } = number;

        public double AtSeconds { get; } = atSeconds;

        public long SentTimestamp { get; } = sentTimestamp;

        public double SentUnix { get; } = sentUnix;

        public double? AckedAfterMs { get; set; }

        /// <summary>When the watcher read the alert, and when the service raised it.</summary>
        public (long Timestamp, double RaisedUnix, double ReadUnix)? Read { get; set; }

        public ProbeTiming Timing()
        {
            var read = Read!.Value;
            return new ProbeTiming(
                Number,
                AtSeconds,
                TotalMs: Stopwatch.GetElapsedTime(SentTimestamp, read.Timestamp).TotalMilliseconds,
                RaisedMs: (read.RaisedUnix - SentUnix) * 1000,
                DeliveredMs: (read.ReadUnix - read.RaisedUnix) * 1000,
                AckedMs: AckedAfterMs);
        }
    }
}

/// <summary>One probe, sent <paramref name="AtSeconds"/> into the test: the NaN written to the alert read (<paramref name="TotalMs"/>), of which until the service raised
/// it (<paramref name="RaisedMs"/>, wall clocks: millisecond resolution) and from raising to the read
/// (<paramref name="DeliveredMs"/>); <paramref name="AckedMs"/> is when the probe's own batch was acknowledged.</summary>
internal sealed record ProbeTiming(int Number, double AtSeconds, double TotalMs, double RaisedMs, double DeliveredMs, double? AckedMs);
