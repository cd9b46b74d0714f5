using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TbBridge.Events;
using TbBridge.Internal;

namespace TbBridge;

/// <summary>
/// Logs training telemetry for TensorBoard without making the training loop wait on the disk.
/// Every <c>Add*</c> call copies what it needs (histograms are bucketed during the call, so only the
/// small result is kept) and queues it; one background loop encodes and hands batches to the sinks, the
/// event-file sink by default. Thread-safe: any number of threads may log at once; points of one thread
/// keep their order.
/// </summary>
/// <example>
/// <code>
/// await using var writer = new SummaryWriter("runs/exp1");
/// for (long step = 0; step &lt; steps; step++)
/// {
///     writer.AddScalar("train/loss", loss, step);
///     writer.AddHistogram("weights/fc1", weights, step);
/// }
/// </code>
/// </example>
public sealed partial class SummaryWriter : IDisposable, IAsyncDisposable
{
    /// <summary>The scalar tag under which the running total of dropped points is logged.</summary>
    public const string DroppedPointsTag = "tbbridge/dropped_points";

    private const int MaxBatchSize = 1024;

    private readonly Channel<SummaryPoint> _channel;
    private readonly ISummarySink[] _sinks;
    private readonly TimeProvider _time;
    private readonly FullQueuePolicy _policy;
    private readonly ILogger _logger;
    private readonly ITimer? _flushTimer;
    private readonly Task _loop;
    private readonly bool _systemClock;
    private long _dropped;
    private int _disposed;
    private long _clockTick = long.MinValue;
    private double _clockWall;

    /// <summary>
    /// Starts a writer for the run directory <paramref name="logDir"/> (created if missing). With the
    /// default options it writes one event file there at once, as PyTorch's writer does.
    /// </summary>
    public SummaryWriter(string logDir, SummaryWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(logDir);
        options ??= new SummaryWriterOptions();
        options.Validate();

        LogDir = Path.GetFullPath(logDir);
        _time = options.TimeProvider;
        _systemClock = ReferenceEquals(_time, TimeProvider.System);
        _policy = options.FullQueuePolicy;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SummaryWriter>();

        var sinks = new List<ISummarySink>(options.Sinks.Count + 1);
        if (options.WriteEventFiles)
        {
            sinks.Add(new EventFileSink(LogDir, new EventFileWriterOptions
            {
                FileNameSuffix = options.FileNameSuffix,
                TimeProvider = options.TimeProvider,
                HostName = options.HostName,
            }));
        }

        sinks.AddRange(options.Sinks);
        _sinks = [.. sinks];

        _channel = Channel.CreateBounded<SummaryPoint>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });

        _loop = Task.Run(RunLoopAsync);
        if (options.FlushInterval > TimeSpan.Zero && options.FlushInterval != Timeout.InfiniteTimeSpan)
        {
            _flushTimer = _time.CreateTimer(static state => ((SummaryWriter)state!).RequestPeriodicFlush(), this, options.FlushInterval, options.FlushInterval);
        }
    }

    /// <summary>The run directory, as a full path.</summary>
    public string LogDir { get; }

    /// <summary>Points dropped because the queue was full under <see cref="FullQueuePolicy.DropNewest"/>.</summary>
    public long DroppedPoints => Interlocked.Read(ref _dropped);

    /// <summary>Drains the queue into every sink, flushes them durably and closes them.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Drains the queue into every sink, flushes them durably and closes them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (_flushTimer is not null)
            {
                await _flushTimer.DisposeAsync().ConfigureAwait(false);
            }

            _channel.Writer.TryComplete();
        }

        await _loop.ConfigureAwait(false);
    }

    // Reading the wall clock costs ~100 ns on some VMs, more than the rest of AddScalar. With the system
    // clock, it is read once per tick of Environment.TickCount64 (a few ms) and reused in between; an
    // injected clock is read on every call, so tests see every advance.
    private double Now()
    {
        if (!_systemClock)
        {
            return ReadClock();
        }

        long tick = Environment.TickCount64;
        if (tick == Volatile.Read(ref _clockTick))
        {
            return _clockWall;
        }

        double wall = ReadClock();
        _clockWall = wall;
        Volatile.Write(ref _clockTick, tick);
        return wall;
    }

    private double ReadClock() => (_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;

    private void Enqueue(in SummaryPoint point)
    {
        if (!_channel.Writer.TryWrite(point))
        {
            EnqueueSlow(point);
        }
    }

    private void EnqueueSlow(SummaryPoint point)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_policy == FullQueuePolicy.DropNewest)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        try
        {
            _channel.Writer.WriteAsync(point).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(SummaryWriter));
        }
    }

    private void RequestPeriodicFlush() => _channel.Writer.TryWrite(SummaryPoint.FlushMarker(FlushRequest.Periodic));
}
