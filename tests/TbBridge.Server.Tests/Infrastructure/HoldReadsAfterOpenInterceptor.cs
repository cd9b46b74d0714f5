using Grpc.Core;
using Grpc.Core.Interceptors;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Holds, in the service itself, the reading of every streaming call's messages after its first ('open') while
/// <see cref="Hold"/> is in force, until <see cref="Release"/>: a test can have the client send all it sends and close
/// its side before the service reads a batch, whatever the machine's load. What was sent waits in the HTTP/2 windows.
/// </summary>
internal sealed class HoldReadsAfterOpenInterceptor : Interceptor
{
    private volatile TaskCompletionSource _gate = Opened();

    /// <summary>Calls read nothing after 'open' from now on, until <see cref="Release"/>.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new HeldReader<TRequest>(requestStream, this), responseStream, context);

    private static TaskCompletionSource Opened()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private sealed class HeldReader<T>(IAsyncStreamReader<T> inner, HoldReadsAfterOpenInterceptor owner) : IAsyncStreamReader<T>
    {
        private int _read;

        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_read++ > 0)
            {
                await owner._gate.Task.WaitAsync(cancellationToken);
            }

            return await inner.MoveNext(cancellationToken);
        }
    }
}
