using TbBridge;

namespace TorchSharpTraining;

/// <summary>Counts the points the writer hands its sinks: what <c>--remote</c> should have delivered.</summary>
internal sealed class PointCounter : ISummarySink
{
    private long _points;

    public long Points => Interlocked.Read(ref _points);

    public ValueTask WriteAsync(IReadOnlyList<SummaryPoint> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Interlocked.Add(ref _points, batch.Count);
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
