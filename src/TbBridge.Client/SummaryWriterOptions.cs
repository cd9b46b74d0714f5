using Microsoft.Extensions.Logging;

namespace TbBridge;

/// <summary>Settings of a <see cref="SummaryWriter"/>; immutable once the writer is built.</summary>
public sealed class SummaryWriterOptions
{
    /// <summary>Default <see cref="QueueCapacity"/>: 65,536 points (about 4 MiB of queued scalars).</summary>
    public const int DefaultQueueCapacity = 65_536;

    /// <summary>
    /// How often the background loop flushes every sink (to disk for event files). Default 2 s: TensorBoard
    /// reloads every 5 s, so a live dashboard is never more than one reload behind, and a crash loses at
    /// most this much (PyTorch's 120 s default is too slow to watch a run). <see cref="TimeSpan.Zero"/> or
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns periodic flushing off.
    /// </summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Points the queue holds before <see cref="FullQueuePolicy"/> applies. Default <see cref="DefaultQueueCapacity"/>.</summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;

    /// <summary>What an <c>Add*</c> call does when the queue is full. Default <see cref="TbBridge.FullQueuePolicy.Wait"/>.</summary>
    public FullQueuePolicy FullQueuePolicy { get; init; } = FullQueuePolicy.Wait;

    /// <summary>Appended to each event file name (PyTorch's <c>filename_suffix</c>). Default none.</summary>
    public string FileNameSuffix { get; init; } = string.Empty;

    /// <summary>The wall clock: every point's <see cref="SummaryPoint.WallTime"/> and the file names come from it.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Extra sinks that receive every point (for example the TbBridge service's remote sink). Default none.</summary>
    public IReadOnlyList<ISummarySink> Sinks { get; init; } = [];

    /// <summary>
    /// Whether the writer writes TensorBoard event files under its log directory (the default sink).
    /// Turn it off to send only to <see cref="Sinks"/>. Default true.
    /// </summary>
    public bool WriteEventFiles { get; init; } = true;

    /// <summary>
    /// Host name in event file names; null takes <see cref="Environment.MachineName"/>.
    /// </summary>
    public string? HostName { get; init; }

    /// <summary>Where the writer logs sink failures and dropped points. Default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        if (FlushInterval < TimeSpan.Zero && FlushInterval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(FlushInterval), FlushInterval, "The flush interval cannot be negative.");
        }

        if (!Enum.IsDefined(FullQueuePolicy))
        {
            throw new ArgumentOutOfRangeException(nameof(FullQueuePolicy), FullQueuePolicy, "Unknown policy.");
        }

        ArgumentNullException.ThrowIfNull(FileNameSuffix);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(Sinks);
        foreach (var sink in Sinks)
        {
            ArgumentNullException.ThrowIfNull(sink, nameof(Sinks));
        }

        if (!WriteEventFiles && Sinks.Count == 0)
        {
            throw new ArgumentException("With WriteEventFiles off, at least one sink is needed.", nameof(Sinks));
        }
    }
}
