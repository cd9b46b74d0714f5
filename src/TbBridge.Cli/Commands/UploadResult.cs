using Grpc.Core;
using TbBridge.Events;

namespace TbBridge.Cli.Commands;

/// <summary>
/// What uploading one file did: points sent now, points the service already held, points it cannot carry, the
/// damaged records skipped, and why it failed (with the call's status, when the service ended it).
/// </summary>
internal sealed record UploadResult(UploadFile File, long Sent, long AlreadyThere, long Skipped, IReadOnlyList<EventReadError> ReadErrors, string? Error, RpcException? Failure = null);
