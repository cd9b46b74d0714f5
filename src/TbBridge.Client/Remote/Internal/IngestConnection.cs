using System.Globalization;
using Grpc.Core;
using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>
/// One ingest call, the client half of the protocol (docs/server.md), shared by the remote sink and
/// <c>tbbridge upload</c>: <see cref="OpenAsync"/> sends <c>open</c> and reads the service's answer (the last
/// sequence it holds), <see cref="SendAsync"/> sends batches, and a reader follows the cumulative acks,
/// reporting each one as it arrives. Numbering, retrying and what to resend belong to the caller.
/// </summary>
internal sealed class IngestConnection : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<IngestRequest, IngestResponse> _call;
    private readonly CancellationTokenSource _ended;
    private readonly Action<ulong>? _onAck;
    private Task _reader = Task.CompletedTask;
    private ulong _acked;

    private IngestConnection(AsyncDuplexStreamingCall<IngestRequest, IngestResponse> call, CancellationTokenSource ended, Action<ulong>? onAck)
    {
        _call = call;
        _ended = ended;
        _onAck = onAck;
    }

    /// <summary>The highest sequence the service holds for this stream id, as it answered <c>open</c>.</summary>
    public ulong HeldSequence { get; private set; }

    /// <summary>The highest sequence acknowledged so far (at least <see cref="HeldSequence"/>).</summary>
    public ulong AcknowledgedSequence => Interlocked.Read(ref _acked);

    /// <summary>Cancelled once the call has ended, cleanly or not, or the caller's token was cancelled.</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>
    /// Starts a call, sends <paramref name="open"/> and waits for the answer. A service that does not answer
    /// within <paramref name="openTimeout"/> (an <c>open</c> lost to a dead connection) fails the attempt with a
    /// <see cref="TimeoutException"/>; an <see cref="RpcException"/> carries a refusal.
    /// </summary>
    public static async Task<IngestConnection> OpenAsync(
        IngestService.IngestServiceClient client,
        Metadata headers,
        OpenStream open,
        TimeSpan openTimeout,
        TimeProvider time,
        Action<ulong>? onAck,
        CancellationToken cancellationToken)
    {
        var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var call = client.Ingest(headers, cancellationToken: ended.Token);
        var connection = new IngestConnection(call, ended, onAck);
        try
        {
            await connection.HandshakeAsync(open, openTimeout, time).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        connection._reader = connection.ReadAcksAsync();
        return connection;
    }

    /// <summary>Sends one batch; its ack arrives later through the reader.</summary>
    public Task SendAsync(PointBatch batch, CancellationToken cancellationToken) =>
        _call.RequestStream.WriteAsync(new IngestRequest { Batch = batch }, cancellationToken);

    /// <summary>
    /// Ends the request side and waits until the service has acknowledged what it will and closed the call;
    /// returns the last acknowledged sequence. The call's failure, if it failed, is thrown.
    /// </summary>
    public async Task<ulong> CompleteAsync()
    {
        await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
        return AcknowledgedSequence;
    }

    /// <summary>Waits for the call to end and returns why: null when it ended cleanly.</summary>
    public async Task<Exception?> WhenEndedAsync()
    {
        try
        {
            await _reader.ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _ended.CancelAsync().ConfigureAwait(false);
        _ = await WhenEndedAsync().ConfigureAwait(false); // why it ended is the caller's to report
        _call.Dispose();
        _ended.Dispose();
    }

    private async Task HandshakeAsync(OpenStream open, TimeSpan openTimeout, TimeProvider time)
    {
        using var deadline = new CancellationTokenSource(openTimeout, time);
        using var opening = CancellationTokenSource.CreateLinkedTokenSource(_ended.Token, deadline.Token);
        try
        {
            await _call.RequestStream.WriteAsync(new IngestRequest { Open = open }, opening.Token).ConfigureAwait(false);
            if (!await _call.ResponseStream.MoveNext(opening.Token).ConfigureAwait(false))
            {
                throw new IOException("The service closed the stream before answering 'open'.");
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } && deadline.IsCancellationRequested && !_ended.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"The service did not answer 'open' within {openTimeout.TotalSeconds:0.#} s."), ex);
        }

        var opened = _call.ResponseStream.Current;
        if (opened.KindCase != IngestResponse.KindOneofCase.Opened)
        {
            throw new IOException($"The service answered 'open' with '{opened.KindCase}' instead of 'opened'.");
        }

        HeldSequence = opened.Opened.LastSequence;
        _acked = HeldSequence;
    }

    private async Task ReadAcksAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_ended.Token).ConfigureAwait(false))
            {
                if (_call.ResponseStream.Current.KindCase == IngestResponse.KindOneofCase.Ack)
                {
                    ulong sequence = _call.ResponseStream.Current.Ack.Sequence;
                    if (sequence > Interlocked.Read(ref _acked))
                    {
                        Interlocked.Exchange(ref _acked, sequence);
                    }

                    _onAck?.Invoke(sequence);
                }
            }
        }
        finally
        {
            // The call ended (cleanly or not): whoever sends on it learns so through Ended.
            await _ended.CancelAsync().ConfigureAwait(false);
        }
    }
}
