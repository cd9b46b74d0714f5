using Grpc.Core;
using Grpc.Core.Interceptors;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Ends each streaming call, in the service itself, when it would send its answer number <c>answers + 1</c> ('opened'
/// counts as the first): the batches acked up to then are on disk, the ones in flight may be too, and the client is
/// told PERMISSION_DENIED, which no client retries. An upload interrupted mid-file.
/// </summary>
internal sealed class EndCallAfterAcksInterceptor(int answers) : Interceptor
{
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(requestStream, new CountingWriter<TResponse>(responseStream, answers), context);

    private sealed class CountingWriter<T>(IServerStreamWriter<T> inner, int answers) : IServerStreamWriter<T>
    {
        private int _written;

        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) =>
            Interlocked.Increment(ref _written) > answers
                ? throw new RpcException(new Status(StatusCode.PermissionDenied, "interrupted by the test"))
                : inner.WriteAsync(message);
    }
}
