namespace TbBridge.Cli.Commands.Follow;

/// <summary>How <c>tbbridge upload --follow</c> polls and batches, and the clock it does it by.</summary>
/// <param name="PollInterval">How often the log directory is scanned for new runs and files, and each file for new records.</param>
/// <param name="BatchPoints">Most points per batch.</param>
/// <param name="OpenTimeout">How long a stream waits for the service's answer to 'open' before it tries again.</param>
/// <param name="DrainTimeout">How long stopping may wait for the service's last acks.</param>
/// <param name="Time">The clock (tests pass a fake one).</param>
internal sealed record FollowSettings(TimeSpan PollInterval, int BatchPoints, TimeSpan OpenTimeout, TimeSpan DrainTimeout, TimeProvider Time)
{
    /// <summary>Where the upload ledgers are kept (<see cref="UploadLedger"/>).</summary>
    public string StateDirectory { get; init; } = UploadLedger.DefaultStateDirectory();
}
