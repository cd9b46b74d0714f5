using Grpc.Core;
using Microsoft.Extensions.Logging;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Security;

namespace TbBridge.Server.Services;

/// <summary>The edge's shared steps: who is calling, and a refusal that is logged before it is thrown.</summary>
internal static class CallContextExtensions
{
    public static Caller Authenticate(this ServerCallContext context, CallerAuthenticator authenticator, ILogger logger)
    {
        var remote = context.GetHttpContext().Connection.RemoteIpAddress;
        var (caller, problem) = authenticator.Authenticate(context.RequestHeaders.GetValue("authorization"), remote);
        return caller ?? throw Refuse(logger, "peer " + context.Peer, "", StatusCode.Unauthenticated, problem!);
    }

    public static RpcException Refuse(ILogger logger, string caller, string streamId, StatusCode code, string message)
    {
        Log.Rejected(logger, caller, streamId, code.ToString(), message);
        return new RpcException(new Status(code, message));
    }
}
