using Grpc.Core;
using Grpc.Core.Interceptors;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Ends each streaming call, in the service itself, when it reads past its request number <c>requests</c> ('open'
/// counts as the first): the service has the batches before, some of them acked and on disk, and the client is told
/// PERMISSION_DENIED, which no client retries. An upload interrupted mid-file.
/// </summary>
internal sealed class EndCallAfterRequestsInterceptor(int requests) : Interceptor
{
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CountingReader<TRequest>(requestStream, requests), responseStream, context);

    private sealed class CountingReader<T>(IAsyncStreamReader<T> inner, int requests) : IAsyncStreamReader<T>
    {
        private int _read;

        public T Current => inner.Current;

        public Task<bool> MoveNext(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _read) > requests
                ? throw new RpcException(new Status(StatusCode.PermissionDenied, "interrupted by the test"))
                : inner.MoveNext(cancellationToken);
    }
}
