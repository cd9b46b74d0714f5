using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Security;
using TbBridge.Server.Mapping;

namespace TbBridge.Server.Services;

/// <summary>
/// The ingest stream at the edge: authenticate from the headers, count the call against its caller's limit,
/// validate and map each message, hand it to the <see cref="IngestEngine"/>, and relay the engine's acks. A
/// refusal ends only this call, with a precise status; batches already acked stay acked.
/// </summary>
internal sealed partial class IngestGrpcService : IngestService.IngestServiceBase
{
    private readonly IngestEngine _engine;
    private readonly CallerAuthenticator _authenticator;
    private readonly ClientRateLimiter _rateLimiter;
    private readonly IngestCallLimiter _callLimiter;
    private readonly int _maxTags;
    private readonly TimeSpan _openTimeout;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public IngestGrpcService(
        IngestEngine engine,
        CallerAuthenticator authenticator,
        ClientRateLimiter rateLimiter,
        IngestCallLimiter callLimiter,
        IOptions<TbBridgeServerOptions> options,
        TimeProvider time,
        ILogger<IngestGrpcService> logger)
    {
        _engine = engine;
        _authenticator = authenticator;
        _rateLimiter = rateLimiter;
        _callLimiter = callLimiter;
        _maxTags = options.Value.MaxTagsPerBatch;
        _openTimeout = options.Value.OpenTimeout;
        _idleTimeout = options.Value.IdleTimeout;
        _time = time;
        _logger = logger;
    }

    public override async Task Ingest(IAsyncStreamReader<IngestRequest> requestStream, IServerStreamWriter<IngestResponse> responseStream, ServerCallContext context)
    {
        // The caller is known from the headers before any message is read or parsed; a refusal first takes in a
        // little of the raw body (BeforeOpen.cs) so the client's write of 'open' completes and it sees the status.
        var (caller, unauthenticated) = CallContextExtensions.Identify(context, _authenticator);
        if (caller is null)
        {
            throw await RefuseBeforeOpenAsync(context, "peer " + context.Peer, StatusCode.Unauthenticated, unauthenticated!).ConfigureAwait(false);
        }

        var (lease, overLimit) = _callLimiter.TryEnter(caller);
        if (lease is null)
        {
            throw await RefuseBeforeOpenAsync(context, caller.Name, StatusCode.ResourceExhausted, overLimit!).ConfigureAwait(false);
        }

        using (lease)
        {
            await IngestAsync(caller, requestStream, responseStream, context).ConfigureAwait(false);
        }
    }

    private async Task IngestAsync(Caller caller, IAsyncStreamReader<IngestRequest> requestStream, IServerStreamWriter<IngestResponse> responseStream, ServerCallContext context)
    {
        if (!await ReadOpenAsync(caller, requestStream, context).ConfigureAwait(false))
        {
            return;
        }

        if (requestStream.Current.KindCase != IngestRequest.KindOneofCase.Open)
        {
            throw Refuse(caller, "", StatusCode.InvalidArgument, "The first message of an ingest stream must be 'open'.");
        }

        var identity = Map(caller, requestStream.Current.Open.StreamId, () => IngestMapping.ToIdentity(requestStream.Current.Open));
        if (!caller.CanWrite(identity.Project))
        {
            throw Refuse(caller, identity.StreamId, StatusCode.PermissionDenied, $"'{caller.Name}' may not write project '{identity.Project}'.");
        }

        StreamSession session;
        bool resumed;
        try
        {
            (session, resumed) = await _engine.OpenAsync(identity, context.CancellationToken).ConfigureAwait(false);
        }
        catch (StreamRejectedException ex)
        {
            throw Refuse(caller, identity.StreamId, ToStatus(ex.Reason), ex.Message);
        }

        // From here on the session is closed whatever happens, the answer to 'open' included: a session left open
        // would make every resume of its stream id wait for it (a connection reset while 'opened' was being
        // written did exactly that, and the worker could not resume until the service restarted).
        var acks = Task.CompletedTask;
        RpcException? failure = null;
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, session.Aborted, idle.Token);
        try
        {
            await responseStream.WriteAsync(new IngestResponse
            {
                Opened = new StreamOpened { LastSequence = session.LastDurable, Resumed = resumed, File = session.RelativeFile },
            }).ConfigureAwait(false);
            acks = PumpAcksAsync(session, responseStream);
            idle.CancelAfter(_idleTimeout);
            bool first = true;
            while (await requestStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
                if (first)
                {
                    // Only the wait for the first message after 'open' is bounded. A stream that has sent and then goes
                    // quiet is the liveness monitor's to judge (stalled, then disconnected): ending it here would turn
                    // every stall into a reconnect and cut runs that log every half hour by design.
                    idle.CancelAfter(Timeout.InfiniteTimeSpan);
                    first = false;
                }

                var request = requestStream.Current;
                if (request.KindCase != IngestRequest.KindOneofCase.Batch)
                {
                    throw Refuse(caller, identity.StreamId, StatusCode.InvalidArgument, "Only 'batch' messages may follow 'open'.");
                }

                var batch = Map(caller, identity.StreamId, () => IngestMapping.ToBatch(request.Batch, _maxTags));
                if (!_rateLimiter.TryAcquire(caller.Name, batch.PointCount))
                {
                    throw Refuse(caller, identity.StreamId, StatusCode.ResourceExhausted, $"Rate limit: '{caller.Name}' may send {_rateLimiter.Rate} points per second; retry later (batch {batch.Sequence} was not written).");
                }

                Map(caller, identity.StreamId, () => _engine.Append(session, batch));
            }

            session.CompletedByClient = true; // the client closed its side: a clean end, not a lost worker
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !session.Aborted.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // Nothing came after 'open' for the idle timeout: the call ends, the session closes as usual (what was
            // acked stays) and its descriptors and memory go back; a live client reconnects and resumes.
            failure = Refuse(caller, identity.StreamId, StatusCode.DeadlineExceeded, string.Create(
                CultureInfo.InvariantCulture,
                $"No message for {_idleTimeout.TotalSeconds:0.#} s after 'open'; reconnect and resume."));
        }
        catch (Exception ex) when (IsMalformed(ex))
        {
            failure = Refuse(caller, identity.StreamId, StatusCode.InvalidArgument, Malformed(ex));
        }
        catch (Exception ex) when (session.Aborted.IsCancellationRequested && ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            failure = session.Failure is { } storage
                ? Refuse(caller, identity.StreamId, ToStatus(storage.Reason), storage.Message)
                : new RpcException(new Status(StatusCode.Unavailable, session.AbortReason ?? "The stream was ended by the service."));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException || (ex is InvalidOperationException && context.CancellationToken.IsCancellationRequested))
        {
            // The client went away (cancelled, or the connection broke): nothing to answer; what was acked stays.
            failure = new RpcException(new Status(StatusCode.Cancelled, "The client ended the stream."));
        }
        catch (RpcException ex)
        {
            if (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                Log.Rejected(_logger, caller.Name, identity.StreamId, ex.StatusCode.ToString(), ex.Status.Detail);
            }

            failure = ex;
        }
        finally
        {
            await _engine.CloseAsync(session).ConfigureAwait(false);
            try
            {
                await acks.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The client is gone, or the last commit failed (below): the acks it missed are implied by the resume
                // on its next connection.
            }
        }

        if (session.Failure is { } lastFailure && (failure is null || failure.StatusCode == StatusCode.Cancelled))
        {
            // The stream's storage failed after the client's last message (its final commit, or an alert's text): what
            // it sent last was rolled back, not acked, and a clean OK would say otherwise.
            failure = Refuse(caller, identity.StreamId, ToStatus(lastFailure.Reason), lastFailure.Message);
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    private static async Task PumpAcksAsync(StreamSession session, IServerStreamWriter<IngestResponse> responseStream)
    {
        await foreach (ulong sequence in session.Acks.ReadAllAsync().ConfigureAwait(false))
        {
            await responseStream.WriteAsync(new IngestResponse { Ack = new Ack { Sequence = sequence } }).ConfigureAwait(false);
        }
    }

    private static StatusCode ToStatus(StreamRejection reason) => reason switch
    {
        StreamRejection.InvalidName or StreamRejection.InvalidBatch => StatusCode.InvalidArgument,
        StreamRejection.Conflict or StreamRejection.SequenceNotNext => StatusCode.FailedPrecondition,
        StreamRejection.Busy => StatusCode.Aborted,
        StreamRejection.Stopping or StreamRejection.StorageFailed => StatusCode.Unavailable,
        StreamRejection.Exhausted => StatusCode.ResourceExhausted,
        _ => StatusCode.Internal,
    };

    /// <summary>Bytes that are not an <see cref="IngestRequest"/>: protobuf's parser refused them.</summary>
    private static bool IsMalformed(Exception ex) => ex is InvalidProtocolBufferException || ex.InnerException is InvalidProtocolBufferException;

    private static string Malformed(Exception ex) =>
        $"A message is not an IngestRequest ({(ex as InvalidProtocolBufferException ?? ex.InnerException)!.Message.TrimEnd('.')}); the call ends, what was acknowledged stays.";

    private T Map<T>(Caller caller, string streamId, Func<T> map)
    {
        try
        {
            return map();
        }
        catch (StreamRejectedException ex)
        {
            throw Refuse(caller, streamId, ToStatus(ex.Reason), ex.Message);
        }
    }

    private RpcException Refuse(Caller caller, string streamId, StatusCode code, string message) =>
        CallContextExtensions.Refuse(_logger, caller.Name, streamId, code, message);
}
