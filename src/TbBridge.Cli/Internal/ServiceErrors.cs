using Grpc.Core;

namespace TbBridge.Cli.Internal;

/// <summary>
/// A failed call to the service as one line that says what happened and what to do next, and the exit code
/// that goes with it: <see cref="ExitCodes.Refused"/> when the service answered no, <see cref="ExitCodes.Unhealthy"/>
/// when it could not be reached or is not serving.
/// </summary>
internal static class ServiceErrors
{
    public static (string Message, int ExitCode) Describe(RpcException error, Uri server) => error.StatusCode switch
    {
        StatusCode.Unavailable => ($"no TbBridge service answers at {server} ({Cause(error)}); start one (dotnet run --project src/TbBridge.Server) or give its address with --server", ExitCodes.Unhealthy),
        StatusCode.DeadlineExceeded => ($"{server} did not answer in time; is it overloaded, or is --server the right address?", ExitCodes.Unhealthy),
        StatusCode.Unauthenticated => ($"{server} refused the API key: {error.Status.Detail} (pass --api-key or set TBBRIDGE_API_KEY)", ExitCodes.Refused),
        StatusCode.PermissionDenied => ($"{server} refused: {error.Status.Detail} (the key has no right to that project; ask for one that has)", ExitCodes.Refused),
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition => ($"{server} refused: {error.Status.Detail}", ExitCodes.Refused),
        _ => ($"{server}: {error.StatusCode}: {error.Status.Detail}", ExitCodes.Unhealthy),
    };

    /// <summary>Whether a refusal would be the same for every other call with the same key (stop, do not retry).</summary>
    public static bool RefusesEveryCall(RpcException error) => error.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied;

    /// <summary>The innermost cause the client saw (e.g. "Connection refused (127.0.0.1:5080)"), without gRPC's wrapping.</summary>
    private static string Cause(RpcException error)
    {
        Exception? cause = error.Status.DebugException;
        while (cause?.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        return cause?.Message is { Length: > 0 } message ? message.TrimEnd('.') : error.Status.Detail;
    }
}
