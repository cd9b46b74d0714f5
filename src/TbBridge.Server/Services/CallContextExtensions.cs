using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Security;

namespace TbBridge.Server.Services;

/// <summary>The edge's shared steps: who is calling, and a refusal that is logged before it is thrown.</summary>
internal static class CallContextExtensions
{
    public static Caller Authenticate(this ServerCallContext context, CallerAuthenticator authenticator, ILogger logger)
    {
        var (caller, problem) = Identify(context, authenticator);
        return caller ?? throw Refuse(logger, "peer " + context.Peer, "", StatusCode.Unauthenticated, problem!);
    }

    /// <summary>The caller from the request's headers and connection alone (no message is read), or why it is unauthenticated.</summary>
    public static (Caller? Caller, string? Problem) Identify(ServerCallContext context, CallerAuthenticator authenticator)
    {
        var http = context.GetHttpContext();
        return authenticator.Authenticate(context.RequestHeaders.GetValue("authorization"), http.Connection.RemoteIpAddress, IsForwarded(http.Request));
    }

    /// <summary>A proxy sent the request on: it names the client it forwards for.</summary>
    public static bool IsForwarded(HttpRequest request) =>
        request.Headers.ContainsKey("Forwarded") || request.Headers.ContainsKey("X-Forwarded-For");

    public static RpcException Refuse(ILogger logger, string caller, string streamId, StatusCode code, string message)
    {
        Log.Rejected(logger, caller, streamId, code.ToString(), message);
        return new RpcException(new Status(code, message));
    }
}
