namespace TbBridge.Server.Internal.Ingest;

/// <summary>A stream taken for this replica (<see cref="IStreamStateStore.Claim"/>).</summary>
/// <param name="State">The stream's state under the new owner epoch (null for a new stream); its file is null when a new one must be started.</param>
/// <param name="Epoch">The owner epoch every save of this session carries (0 in a store of one service).</param>
/// <param name="Sealed">Files the claim sealed, each with its acked length: no replica writes them again, and this one cuts them back to it.</param>
/// <param name="WorkerFiles">Every file of the stream's worker with its acked length, oldest first, for a replayed analysis (shared stores only).</param>
internal sealed record StreamClaim(StreamState? State, long Epoch, IReadOnlyList<(string File, long Length)> Sealed, IReadOnlyList<(string File, long Length)>? WorkerFiles)
{
    /// <summary>A store of one service claims nothing: the state it knew.</summary>
    public static StreamClaim Unshared(StreamState? known) => new(known, 0, [], null);
}
