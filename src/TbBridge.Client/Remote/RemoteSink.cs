using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TbBridge.Protocol.V1;
using TbBridge.Remote.Internal;

namespace TbBridge.Remote;

/// <summary>
/// An <see cref="ISummarySink"/> that streams points to the TbBridge service, alone or beside the local
/// event files (pass it in <see cref="SummaryWriterOptions.Sinks"/>). Points are batched by size and age,
/// held in bounded memory (and an optional disk spool) until the service acknowledges them as durable,
/// and replayed after a reconnect or a process restart through the service's resume protocol, so each
/// point lands exactly once. Writing never waits on the network; disposing drains.
/// </summary>
public sealed class RemoteSink : ISummarySink
{
    private readonly RemoteSinkOptions _options;
    private readonly GrpcChannel _channel;
    private readonly IngestService.IngestServiceClient _client;
    private readonly Metadata _headers = [];
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RemoteStream> _streams = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sealer;
    private long _unsupportedPoints;
    private int _disposed;

    private RemoteSink(RemoteSinkOptions options)
    {
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RemoteSink>();
        var handler = new SocketsHttpHandler
        {
            // Notice a silently dead connection (a cut cable, not a reset) within about 20 s.
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            EnableMultipleHttp2Connections = true,
        };
        _channel = GrpcChannel.ForAddress(options.Server, new GrpcChannelOptions
        {
            HttpHandler = handler,
            LoggerFactory = options.LoggerFactory,
            MaxReceiveMessageSize = 4 * 1024 * 1024,

            // The channel keeps its own reconnect backoff beneath the sink's (1 s growing to 120 s by default), and
            // fails every call at once while it waits: after a few cut connections the sink's retries would all be
            // refused for minutes. The sink's backoff is the one policy.
            InitialReconnectBackoff = options.InitialBackoff,
            MaxReconnectBackoff = options.MaxBackoff,
        });
        _client = new IngestService.IngestServiceClient(_channel);
        if (options.ApiKey is not null)
        {
            _headers.Add("authorization", "Bearer " + options.ApiKey);
        }

        if (options.SpoolDirectory is { } spool)
        {
            foreach (string run in BatchSpool.FindLeftRuns(spool, options.Project, options.Run, options.Worker))
            {
                StreamFor(run);
            }
        }

        _sealer = Task.Run(SealStaleBatchesAsync);
    }

    /// <summary>Points the service has acknowledged as durable.</summary>
    public long AcknowledgedPoints => _streams.Values.Sum(s => s.AcknowledgedPoints);

    /// <summary>Points dropped because memory and spool were full, or because the service refused their batch.</summary>
    public long DroppedPoints => _streams.Values.Sum(s => s.DroppedPoints);

    /// <summary>
    /// Points left to the local event files and never sent: the service's own tags (<c>tbbridge/…</c>, but the
    /// writer's <c>tbbridge/dropped_points</c>), and histograms without a finite value, which the event file leaves
    /// out as well (their NaN and Inf counts are scalars, and those are sent). The points a run logs are its
    /// acknowledged, dropped and unsupported points, once the sink is disposed.
    /// </summary>
    public long UnsupportedPoints => Interlocked.Read(ref _unsupportedPoints);

    /// <summary>True while every stream of the sink is connected.</summary>
    public bool IsConnected => _streams.Values.All(s => s.IsConnected);

    /// <summary>Creates a sink and starts connecting in the background; it never throws for an unreachable service.</summary>
    public static RemoteSink Create(RemoteSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new RemoteSink(options);
    }

    /// <inheritdoc/>
    public ValueTask WriteAsync(IReadOnlyList<SummaryPoint> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        RemoteStream? stream = null;
        string? streamRun = null;
        for (int i = 0; i < batch.Count; i++)
        {
            var point = batch[i];
            if (!ReferenceEquals(point.Run, streamRun) && point.Run != streamRun)
            {
                streamRun = point.Run;
                stream = StreamFor(point.Run.Length == 0 ? _options.Run : _options.Run + "/" + point.Run);
            }

            if (!stream!.Add(point) && Interlocked.Increment(ref _unsupportedPoints) == 1)
            {
                RemoteLog.UnsupportedPoint(_logger, point.Kind, point.Tag);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Seals the batches being built and, while connected, waits (up to <see cref="RemoteSinkOptions.FlushTimeout"/>)
    /// until the service has acknowledged them. While the service is unreachable it returns at once: the
    /// batches wait in memory and the spool, and the writer's loop is never held up by the network.
    /// </summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var waits = new List<Task<bool>>();
        foreach (var stream in _streams.Values)
        {
            ulong sealedUpTo = stream.Seal();
            waits.Add(stream.WaitAckedAsync(sealedUpTo, _options.FlushTimeout, onlyWhileConnected: true, cancellationToken));
        }

        await Task.WhenAll(waits).ConfigureAwait(false);
    }

    /// <summary>Final drain: every batch is sent and acknowledged (up to <see cref="RemoteSinkOptions.DrainTimeout"/>), then the connection closes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _sealer.ConfigureAwait(false);
        await Task.WhenAll(_streams.Values.Select(s => s.DrainAndStopAsync())).ConfigureAwait(false);
        _channel.Dispose();
        _stop.Dispose();
    }

    private RemoteStream StreamFor(string run) => _streams.GetOrAdd(run, r =>
    {
        var backoff = new ExponentialBackoffPolicy(_options.InitialBackoff, _options.MaxBackoff, _options.BackoffRandom ?? new Random());
        var stream = new RemoteStream(_options, r, _client, _headers, backoff, _logger);
        stream.Start();
        return stream;
    });

    private async Task SealStaleBatchesAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(_options.MaxBatchDelay.Ticks / 2, TimeSpan.TicksPerMillisecond)), _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                foreach (var stream in _streams.Values)
                {
                    stream.SealIfStale();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
