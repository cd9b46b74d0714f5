using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Protocol.V1;

namespace TbBridge.LoadTest;

/// <summary>
/// Measures NaN-to-alert: every interval, a fresh run's worker sends a loss curve ending in NaN, and a
/// Watch stream (open for the whole test) times the nan_inf alert from the moment the NaN was written.
/// </summary>
internal sealed class NanProbe
{
    private readonly GrpcChannel _channel;
    private readonly TimeSpan _interval;
    private readonly ConcurrentDictionary<string, long> _sentAt = new(StringComparer.Ordinal);

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

    public List<double> LatenciesMs { get; } = [];

    public int Sent => _sentAt.Count;

    public async Task RunAsync(CancellationToken stop)
    {
        var alerts = new AlertService.AlertServiceClient(_watchChannel);
        using var watchStop = new CancellationTokenSource();
        using var watch = alerts.Watch(new WatchAlertsRequest { NewOnly = true, Filter = new AlertFilter { Project = "loadtest", Kinds = { "nan_inf" } } }, cancellationToken: watchStop.Token);
        var watcher = WatchAsync(watch);
        var ingest = new IngestService.IngestServiceClient(_channel);
        int n = 0;
        while (!stop.IsCancellationRequested)
        {
            string run = $"probe-{n++}";
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

                _sentAt[run] = Stopwatch.GetTimestamp();
                await call.RequestStream.WriteAsync(new IngestRequest { Batch = batch });
                await call.RequestStream.CompleteAsync();
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
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

    private async Task WatchAsync(AsyncServerStreamingCall<Alert> watch)
    {
        try
        {
            await foreach (var alert in watch.ResponseStream.ReadAllAsync())
            {
                long now = Stopwatch.GetTimestamp();
                if (_sentAt.TryGetValue(alert.Run, out long sent))
                {
                    lock (LatenciesMs)
                    {
                        LatenciesMs.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                    }
                }
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
        }
    }
}
