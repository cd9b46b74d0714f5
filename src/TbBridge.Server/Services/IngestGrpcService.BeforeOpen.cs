using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal.Security;

namespace TbBridge.Server.Services;

/// <summary>Everything before 'open' is read: a refusal that lets the client see its status, the open timeout.</summary>
internal sealed partial class IngestGrpcService
{
    /// <summary>The most of a refused caller's request body the service takes in, unparsed (raw bytes of its first message).</summary>
    public const int MaxBytesBeforeCaller = 64 * 1024;

    /// <summary>
    /// A refusal before any message is read. A client writes 'open' as the call starts, and ending the call while
    /// that write is still in flight reaches it as a bare Cancelled (the stream is reset under the write) instead of
    /// this status with its reason. So first the raw body is taken in, never parsed: until the first message is
    /// complete (its 5-byte gRPC prefix gives its length), the client ends its side, the open timeout passes, or
    /// <see cref="MaxBytesBeforeCaller"/> bytes have come, whichever is first.
    /// </summary>
    private async Task<RpcException> RefuseBeforeOpenAsync(ServerCallContext context, string caller, StatusCode code, string message)
    {
        var http = context.GetHttpContext();
        using var deadline = new CancellationTokenSource(_openTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, deadline.Token);
        try
        {
            await DrainFirstMessageAsync(http.Request, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // Gone, or nothing came in time: refuse all the same.
        }

        return CallContextExtensions.Refuse(_logger, caller, "", code, message);
    }

    private static async Task DrainFirstMessageAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = request.BodyReader;
        while (true)
        {
            var result = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCompleted || buffer.Length >= MaxBytesBeforeCaller || HoldsFirstMessage(buffer))
            {
                body.AdvanceTo(buffer.End);
                return;
            }

            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>True once the buffer holds a whole gRPC message: 1 byte flag, 4 bytes big-endian length, the message.</summary>
    private static bool HoldsFirstMessage(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 5)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[5];
        buffer.Slice(0, 5).CopyTo(prefix);
        return buffer.Length - 5 >= BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
    }

    /// <summary>Waits for the call's first message up to the open timeout; a call without one ends with DEADLINE_EXCEEDED.</summary>
    private async Task<bool> ReadOpenAsync(Caller caller, IAsyncStreamReader<IngestRequest> requestStream, ServerCallContext context)
    {
        using var deadline = new CancellationTokenSource(_openTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, deadline.Token);
        try
        {
            return await requestStream.MoveNext(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw Refuse(
                caller,
                "",
                StatusCode.DeadlineExceeded,
                string.Create(CultureInfo.InvariantCulture, $"No 'open' message arrived within {_openTimeout.TotalSeconds:0.#} s of the call's start; open the stream again."));
        }
        catch (Exception ex) when (IsMalformed(ex))
        {
            throw Refuse(caller, "", StatusCode.InvalidArgument, Malformed(ex));
        }
    }
}
