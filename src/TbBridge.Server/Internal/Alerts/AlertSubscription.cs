using System.Threading.Channels;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>
/// One watcher: where its history ends (<see cref="Watermark"/>: the hub reads the history in pages up to it,
/// <see cref="AlertHub.History"/>), then a bounded queue of new ones. When the queue is full new alerts are dropped
/// for this watcher only (counted in <see cref="Dropped"/>): a slow watcher never holds up ingest.
/// </summary>
internal sealed class AlertSubscription : IDisposable
{
    private readonly Channel<AlertRecord> _channel;
    private readonly Action<AlertSubscription> _unsubscribe;
    private long _dropped;

    public AlertSubscription(AlertQuery query, int capacity, Action<AlertSubscription> unsubscribe)
    {
        Query = query;
        _unsubscribe = unsubscribe;
        _channel = Channel.CreateBounded<AlertRecord>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the drop is counted, never waited on
            SingleReader = true,
        });
    }

    public AlertQuery Query { get; }

    /// <summary>Matching alerts still waiting to be stored when it subscribed (at most the store's retry queue), oldest first.</summary>
    public IReadOnlyList<AlertRecord> Unstored { get; set; } = [];

    /// <summary>The last alert id when it subscribed: alerts up to it come in its history, never live.</summary>
    public long Watermark { get; set; }

    public ChannelReader<AlertRecord> Alerts => _channel.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    internal void Offer(AlertRecord alert)
    {
        if (alert.Id > Watermark && Query.Matches(alert) && !_channel.Writer.TryWrite(alert))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _unsubscribe(this);
    }
}
