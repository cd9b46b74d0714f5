namespace TbBridge.Client.Tests.Support;

/// <summary>A sink that copies every point it gets, optionally blocking or failing on demand.</summary>
internal sealed class RecordingSink : ISummarySink
{
    private readonly object _gate = new();
    private readonly List<SummaryPoint> _points = [];

    public SemaphoreSlim? Gate { get; init; }

    /// <summary>Completed when the first batch arrives (before the gate).</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? FailWrites { get; set; }

    public int Flushes { get; private set; }

    public bool Disposed { get; private set; }

    public List<SummaryPoint> Points
    {
        get
        {
            lock (_gate)
            {
                return [.. _points];
            }
        }
    }

    public async ValueTask WriteAsync(IReadOnlyList<SummaryPoint> batch, CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        if (Gate is not null)
        {
            await Gate.WaitAsync(cancellationToken);
            Gate.Release();
        }

        if (FailWrites is { } e)
        {
            throw e;
        }

        lock (_gate)
        {
            _points.AddRange(batch);
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Flushes++;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
