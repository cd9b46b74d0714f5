using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Protocol.V1;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>One ingest call through a real gRPC client: open, send batches, follow the acks.</summary>
internal sealed class IngestStream : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<IngestRequest, IngestResponse> _call;
    private readonly SemaphoreSlim _ackSignal = new(0);
    private Task _reader = Task.CompletedTask;
    private long _acked;

    private IngestStream(AsyncDuplexStreamingCall<IngestRequest, IngestResponse> call, StreamOpened opened)
    {
        _call = call;
        Opened = opened;
        _acked = (long)opened.LastSequence;
    }

    public StreamOpened Opened { get; }

    public ulong Acked => (ulong)Interlocked.Read(ref _acked);

    /// <summary>How the call ended, once it has.</summary>
    public RpcException? Failure { get; private set; }

    /// <param name="retryBusy">Retry while the service answers ABORTED (the stream or worker still live on an old connection).</param>
    public static async Task<IngestStream> OpenAsync(GrpcChannel channel, string project, string run, string worker, string streamId, string? apiKey = null, bool retryBusy = true)
    {
        var client = new IngestService.IngestServiceClient(channel);
        var headers = new Metadata();
        if (apiKey is not null)
        {
            headers.Add("authorization", "Bearer " + apiKey);
        }

        for (int attempt = 1; ; attempt++)
        {
            var call = client.Ingest(headers);
            try
            {
                await call.RequestStream.WriteAsync(Batches.Open(project, run, worker, streamId));
                if (!await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    throw new InvalidOperationException("The server ended the stream without answering 'open'.");
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded && attempt < 3)
            {
                // The service never got 'open' (HttpClient retried the request on a new connection after the
                // body had gone to the old one): open again, as RemoteSink and `tbbridge upload` do.
                call.Dispose();
                continue;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Aborted && retryBusy && attempt < 50)
            {
                // The stream's previous connection, just cancelled here, is still being closed there: retry after a
                // backoff, as every client does with ABORTED.
                call.Dispose();
                await Task.Delay(100);
                continue;
            }
            catch
            {
                call.Dispose();
                throw;
            }

            var stream = new IngestStream(call, call.ResponseStream.Current.Opened);
            stream._reader = stream.ReadAcksAsync();
            return stream;
        }
    }

    public Task SendAsync(PointBatch batch) => _call.RequestStream.WriteAsync(Batches.Request(batch));

    /// <summary>Waits until <paramref name="sequence"/> is acked; false if the call ended first.</summary>
    public async Task<bool> WaitAckAsync(ulong sequence, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (Acked < sequence)
        {
            if (_reader.IsCompleted && Acked < sequence)
            {
                return false;
            }

            await _ackSignal.WaitAsync(cts.Token);
        }

        return true;
    }

    /// <summary>Ends the request side only: the client has nothing more to send (see <see cref="WaitForEndAsync"/>).</summary>
    public Task CompleteRequestsAsync() => _call.RequestStream.CompleteAsync();

    /// <summary>Ends the request side and waits for the server to close the call (its final acks included).</summary>
    public async Task CompleteAsync()
    {
        await _call.RequestStream.CompleteAsync();
        await _reader;
    }

    /// <summary>Waits for the server to end the call; returns its failure status, if any.</summary>
    public async Task<RpcException?> WaitForEndAsync(TimeSpan? timeout = null)
    {
        await _reader.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        return Failure;
    }

    public async ValueTask DisposeAsync()
    {
        _call.Dispose();
        try
        {
            await _reader;
        }
        catch (Exception)
        {
        }

        _ackSignal.Dispose();
    }

    private async Task ReadAcksAsync()
    {
        try
        {
            await foreach (var response in _call.ResponseStream.ReadAllAsync())
            {
                if (response.KindCase == IngestResponse.KindOneofCase.Ack)
                {
                    long seq = (long)response.Ack.Sequence;
                    long current;
                    while (seq > (current = Interlocked.Read(ref _acked)) && Interlocked.CompareExchange(ref _acked, seq, current) != current)
                    {
                    }

                    _ackSignal.Release();
                }
            }
        }
        catch (RpcException ex)
        {
            Failure = ex;
        }
        finally
        {
            _ackSignal.Release();
        }
    }
}
