using Grpc.Core;
using Grpc.Core.Interceptors;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Makes the first streaming call's first answer fail the way a write does once the client's connection is gone
/// (grpc-dotnet: "the request is complete"), in the service itself: a connection reset at the worst moment, on cue.
/// </summary>
internal sealed class FailFirstAnswerInterceptor : Interceptor
{
    private int _calls;

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var writer = Interlocked.Increment(ref _calls) == 1 ? new FailingWriter<TResponse>(responseStream) : responseStream;
        return continuation(requestStream, writer, context);
    }

    private sealed class FailingWriter<T>(IServerStreamWriter<T> inner) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => throw new InvalidOperationException("Can't write the message because the request is complete.");
    }
}
