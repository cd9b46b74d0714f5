using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Protocol.V1;

namespace TbBridge.LoadTest;

/// <summary>
/// One simulated training worker: a single ingest stream sending batches of scalars as fast as its ack
/// window allows, timing each batch from the write to the ack that covers it.
/// </summary>
internal sealed class Worker
{
    private readonly GrpcChannel _channel;
    private readonly LoadTestOptions _options;
    private readonly int _index;
    private readonly long[] _sentAt;
    private readonly SemaphoreSlim _window;

    public Worker(GrpcChannel channel, LoadTestOptions options, int index)
    {
        _channel = channel;
        _options = options;
        _index = index;
        _sentAt = new long[1 << 20];
        _window = new SemaphoreSlim(options.Window);
    }

    public long SentPoints { get; private set; }

    public long AckedPoints { get; private set; }

    public ulong LastAcked { get; private set; }

    public List<double> AckLatenciesMs { get; } = new(capacity: 100_000);

    public string Run => $"load-{_index / _options.WorkersPerRun}";

    public string WorkerName => $"rank{_index % _options.WorkersPerRun}";

    public async Task RunAsync(CancellationToken stop)
    {
        var client = new IngestService.IngestServiceClient(_channel);
        using var call = client.Ingest();
        await call.RequestStream.WriteAsync(new IngestRequest
        {
            Open = new OpenStream { Project = "loadtest", Run = Run, Worker = WorkerName, Host = "loadgen", StreamId = $"load-{_index}-{Guid.NewGuid():N}" },
        });
        if (!await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            throw new InvalidOperationException("No 'opened'.");
        }

        var reader = ReadAcksAsync(call);
        var batch = CreateBatch();
        ulong sequence = 0;
        long step = 0;
        long started = Stopwatch.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (_options.RatePerWorker > 0)
                {
                    // Paced: the next batch leaves when the points sent so far are due.
                    var due = TimeSpan.FromSeconds(SentPoints / _options.RatePerWorker) - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, stop);
                    }
                }

                await _window.WaitAsync(stop);
                sequence++;
                batch.Sequence = sequence;
                var steps = batch.Scalars.Step;
                var values = batch.Scalars.Value;
                var wallTimes = batch.Scalars.WallTime;
                double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
                for (int i = 0; i < steps.Count; i++)
                {
                    long s = step + (i / _options.Tags);
                    steps[i] = s;
                    values[i] = 2.0 / (1 + (s * 1e-4)) + ((i % 7) * 1e-3);
                    wallTimes[i] = now;
                }

                step += steps.Count / _options.Tags;
                _sentAt[sequence % (ulong)_sentAt.Length] = Stopwatch.GetTimestamp();
                await call.RequestStream.WriteAsync(new IngestRequest { Batch = batch });
                SentPoints += steps.Count;
            }
        }
        catch (OperationCanceledException)
        {
        }

        await call.RequestStream.CompleteAsync();
        await reader;
    }

    private PointBatch CreateBatch()
    {
        var batch = new PointBatch { Scalars = new ScalarColumns() };
        for (int t = 0; t < _options.Tags; t++)
        {
            batch.Tags.Add(t switch
            {
                0 => "train/loss",
                1 => "train/accuracy",
                2 => "grad_norm",
                3 => "lr",
                _ => $"metrics/m{t}",
            });
        }

        for (int i = 0; i < _options.BatchPoints; i++)
        {
            batch.Scalars.TagIndex.Add((uint)(i % _options.Tags));
            batch.Scalars.Step.Add(0);
            batch.Scalars.Value.Add(0);
            batch.Scalars.WallTime.Add(0);
        }

        return batch;
    }

    private async Task ReadAcksAsync(AsyncDuplexStreamingCall<IngestRequest, IngestResponse> call)
    {
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            if (response.KindCase != IngestResponse.KindOneofCase.Ack)
            {
                continue;
            }

            ulong acked = response.Ack.Sequence;
            long now = Stopwatch.GetTimestamp();
            for (ulong s = LastAcked + 1; s <= acked; s++)
            {
                AckLatenciesMs.Add(Stopwatch.GetElapsedTime(_sentAt[s % (ulong)_sentAt.Length], now).TotalMilliseconds);
                AckedPoints += _options.BatchPoints;
                _window.Release();
            }

            if (acked > LastAcked)
            {
                LastAcked = acked;
            }
        }
    }
}
