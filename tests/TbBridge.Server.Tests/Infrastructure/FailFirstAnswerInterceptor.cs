using Grpc.Core;
using Grpc.Core.Interceptors;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Makes the first streaming call's first answer fail, in the service itself: by default the way a write does once
/// the client's connection is gone (grpc-dotnet: "the request is complete"), a connection reset at the worst moment,
/// on cue; or with the exception given.
/// </summary>
internal sealed class FailFirstAnswerInterceptor(Func<Exception>? failure = null) : Interceptor
{
    private readonly Func<Exception> _failure = failure ?? (() => new InvalidOperationException("Can't write the message because the request is complete."));
    private int _calls;

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var writer = Interlocked.Increment(ref _calls) == 1 ? new FailingWriter<TResponse>(responseStream, _failure) : responseStream;
        return continuation(requestStream, writer, context);
    }

    private sealed class FailingWriter<T>(IServerStreamWriter<T> inner, Func<Exception> failure) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => throw failure();
    }
}
