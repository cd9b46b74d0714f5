namespace TbBridge;

/// <summary>
/// Where a <see cref="SummaryWriter"/> sends what it logs. The writer calls a sink from one background
/// loop only, never concurrently: <see cref="WriteAsync"/> with batches in the order the points were
/// added, <see cref="FlushAsync"/> every <see cref="SummaryWriterOptions.FlushInterval"/> and on
/// <see cref="SummaryWriter.Flush"/>, and <see cref="IAsyncDisposable.DisposeAsync"/> once, after the last flush.
/// </summary>
/// <remarks>
/// The batch list is reused by the writer: it is valid only until the returned task completes, so a sink
/// that keeps points must copy them (the points themselves are immutable and may be kept).
/// An exception from a sink is logged and the writer goes on; other sinks still receive the batch.
/// </remarks>
public interface ISummarySink : IAsyncDisposable
{
    /// <summary>Takes a batch of points, oldest first.</summary>
    ValueTask WriteAsync(IReadOnlyList<SummaryPoint> batch, CancellationToken cancellationToken);

    /// <summary>Makes everything written so far durable (a file sink: on disk; a remote sink: acknowledged).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);
}
