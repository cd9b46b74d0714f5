namespace TbBridge.Cli.Commands.Follow;

/// <summary>What a follower is doing, summed over its files: what the status line shows.</summary>
internal sealed record FollowSnapshot(int Runs, int Files, int Connected, long Sent, long AlreadyThere, long Read, long Acknowledged, long BytesBehind, string? LastError)
{
    /// <summary>Points read and sent that the service has not acknowledged yet.</summary>
    public long Unacknowledged => Math.Max(0, Read - Acknowledged);

    public static FollowSnapshot Of(IReadOnlyCollection<FileFollower> files) => new(
        files.Select(f => (f.File.Project, f.File.Run)).Distinct().Count(),
        files.Count,
        files.Count(f => f.IsConnected),
        files.Sum(f => f.Sent),
        files.Sum(f => f.AlreadyThere),
        files.Sum(f => f.Read),
        files.Sum(f => f.Acknowledged),
        files.Sum(f => f.BytesBehind),
        files.Where(f => !f.IsConnected).Select(f => f.LastError).FirstOrDefault(e => e is not null));
}
