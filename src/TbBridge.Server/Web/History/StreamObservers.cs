using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Web.History;

/// <summary>Ingest's one stream observer, told to each of several in turn (the liveness monitor, then the page's curves).</summary>
internal sealed class StreamObservers : IStreamObserver
{
    private readonly IStreamObserver[] _observers;

    public StreamObservers(params IStreamObserver[] observers)
    {
        _observers = observers;
    }

    public void Opened(StreamSession session)
    {
        foreach (var observer in _observers)
        {
            observer.Opened(session);
        }
    }

    public void Received(StreamSession session, IngestBatch batch)
    {
        foreach (var observer in _observers)
        {
            observer.Received(session, batch);
        }
    }

    public void Closed(StreamSession session, StreamEnd end)
    {
        foreach (var observer in _observers)
        {
            observer.Closed(session, end);
        }
    }
}
