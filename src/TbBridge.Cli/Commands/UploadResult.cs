namespace TbBridge.Cli.Commands;

/// <summary>What uploading one file did: points sent now, points the service already held, points it cannot carry.</summary>
internal sealed record UploadResult(UploadFile File, long Sent, long AlreadyThere, long Skipped, int ReadErrors, string? Error);
