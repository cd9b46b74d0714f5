using System.Globalization;
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
/// The ingest stream at the edge: authenticate, validate and map each message, hand it to the
/// <see cref="IngestEngine"/>, and relay the engine's acks. A refusal ends only this call, with a precise
/// status; batches already acked stay acked.
/// </summary>
internal sealed class IngestGrpcService : IngestService.IngestServiceBase
{
    private readonly IngestEngine _engine;
    private readonly CallerAuthenticator _authenticator;
    private readonly ClientRateLimiter _rateLimiter;
    private readonly int _maxTags;
    private readonly TimeSpan _openTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public IngestGrpcService(IngestEngine engine, CallerAuthenticator authenticator, ClientRateLimiter rateLimiter, IOptions<TbBridgeServerOptions> options, TimeProvider time, ILogger<IngestGrpcService> logger)
    {
        _engine = engine;
        _authenticator = authenticator;
        _rateLimiter = rateLimiter;
        _maxTags = options.Value.MaxTagsPerBatch;
        _openTimeout = options.Value.OpenTimeout;
        _time = time;
        _logger = logger;
    }

    public override async Task Ingest(IAsyncStreamReader<IngestRequest> requestStream, IServerStreamWriter<IngestResponse> responseStream, ServerCallContext context)
    {
        // The first message is read before the caller is authenticated: a client writes 'open' as the call starts, and
        // a refusal that ends the call while that write is still in flight reaches the client as a bare Cancelled
        // (the stream is reset under the write) instead of Unauthenticated with its reason. Once 'open' is read, every
        // refusal arrives as itself. The message is bounded by the receive size limit like any other.
        bool opened = await ReadOpenAsync(requestStream, context).ConfigureAwait(false);
        var caller = context.Authenticate(_authenticator, _logger);
        if (!opened)
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
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, session.Aborted);
        try
        {
            await responseStream.WriteAsync(new IngestResponse
            {
                Opened = new StreamOpened { LastSequence = session.LastDurable, Resumed = resumed, File = session.RelativeFile },
            }).ConfigureAwait(false);
            acks = PumpAcksAsync(session, responseStream);
            while (await requestStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
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
            catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or RpcException)
            {
                // The client is gone: the acks it missed are implied by the resume on its next connection.
            }
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>Waits for the call's first message up to the open timeout; a call without one ends with DEADLINE_EXCEEDED.</summary>
    private async Task<bool> ReadOpenAsync(IAsyncStreamReader<IngestRequest> requestStream, ServerCallContext context)
    {
        using var deadline = new CancellationTokenSource(_openTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, deadline.Token);
        try
        {
            return await requestStream.MoveNext(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw CallContextExtensions.Refuse(
                _logger,
                "peer " + context.Peer,
                "",
                StatusCode.DeadlineExceeded,
                string.Create(CultureInfo.InvariantCulture, $"No 'open' message arrived within {_openTimeout.TotalSeconds:0.#} s of the call's start; open the stream again."));
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
        StreamRejection.Conflict or StreamRejection.SequenceNotRising => StatusCode.FailedPrecondition,
        StreamRejection.Busy => StatusCode.Aborted,
        StreamRejection.Stopping or StreamRejection.StorageFailed => StatusCode.Unavailable,
        StreamRejection.Exhausted => StatusCode.ResourceExhausted,
        _ => StatusCode.Internal,
    };

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
