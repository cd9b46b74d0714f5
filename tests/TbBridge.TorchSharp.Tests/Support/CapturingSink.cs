namespace TbBridge.TorchSharp.Tests.Support;

/// <summary>An <see cref="ISummarySink"/> that keeps every point it is given, for tests.</summary>
internal sealed class CapturingSink : ISummarySink
{
    private readonly List<SummaryPoint> _points = [];

    public IReadOnlyList<SummaryPoint> Points
    {
        get
        {
            lock (_points)
            {
                return [.. _points];
            }
        }
    }

    public SummaryPoint Single(string tag) => Assert.Single(Points, p => p.Tag == tag);

    public ValueTask WriteAsync(IReadOnlyList<SummaryPoint> batch, CancellationToken cancellationToken)
    {
        lock (_points)
        {
            _points.AddRange(batch);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
