namespace TbBridge.Server.Internal.Ingest;

internal sealed class StreamRejectedException : Exception
{
    public StreamRejectedException(StreamRejection reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    public StreamRejectedException()
    {
    }

    public StreamRejectedException(string message)
        : base(message)
    {
    }

    public StreamRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StreamRejection Reason { get; }
}
