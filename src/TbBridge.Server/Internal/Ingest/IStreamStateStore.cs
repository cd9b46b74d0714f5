namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// Where each stream's resume state lives (the seam of "stream state"): SQLite in the data directory for one
/// service (Storage/Sqlite), or PostgreSQL shared by replicas (Storage/Postgres). The engine calls this and never
/// knows which home answered.
/// </summary>
internal interface IStreamStateStore : IDisposable
{
    /// <summary>
    /// True when other replicas hold streams in the same state: a stream is claimed before it is opened (see
    /// <see cref="Claim"/>), a save is fenced by the claim's epoch, and this replica never cuts back a file at
    /// start (another replica may be writing it).
    /// </summary>
    bool IsShared { get; }

    /// <summary>Every stream's state (at start: the files to cut back to what was acked, the runs and workers seen).</summary>
    IReadOnlyList<StreamState> LoadAll();

    /// <summary>
    /// Takes a stream for this replica with a new owner epoch, refused (<see cref="StreamRejectedException"/>) while it
    /// is live on another replica or bound to another run or worker. Only a shared store claims; a store of one
    /// service returns <paramref name="known"/> as it is. <paramref name="prove"/> reads the commit markers of the
    /// stream's file past an offset (<see cref="CommitMarker.FindLast"/>): a shared store whose state is older than the
    /// file (a restored database) moves the state forward to the last of them before it seals or continues the file.
    /// </summary>
    StreamClaim Claim(StreamIdentity identity, StreamState? known, Func<string, long, (ulong Sequence, long End)?> prove);

    /// <summary>
    /// The length another replica sealed this stream's <paramref name="file"/> at when it took the stream (null when
    /// none did, or in a store of one service): a session that lost the stream never cuts that file shorter.
    /// </summary>
    long? SealedLength(StreamKey key, string file);

    /// <summary>
    /// Takes the judgement of a broken stream (claimed under <paramref name="epoch"/>): true when no replica has claimed
    /// the stream since and none has taken this judgement; whoever gets true raises <c>disconnected</c>, so it is
    /// raised once, and not for a stream that moved to another replica. A store of one service answers true (this
    /// service's own reconnects are known to it).
    /// </summary>
    bool TryJudge(StreamKey key, long epoch);

    /// <summary>
    /// Takes the judgement of streams held by replicas that died (their heartbeat older than the replica timeout) while
    /// the stream was connected, or broke before they judged it: each is taken by one live replica, in one statement.
    /// A store of one service has none.
    /// </summary>
    IReadOnlyList<OrphanedStream> ClaimOrphans();

    /// <summary>
    /// After the grace: true when an orphan taken by <see cref="ClaimOrphans"/> is still unclaimed and its owner still
    /// gone, so <c>disconnected</c> is raised; false when its worker resumed meanwhile (or the owner was only late,
    /// and the judgement goes back to it).
    /// </summary>
    bool ConfirmOrphan(OrphanedStream orphan);

    /// <summary>Records that a connected stream is stalled, for a run registry shared by replicas (its next saved points clear it). A store of one service ignores it.</summary>
    void MarkStalled(StreamKey key, long epoch);

    /// <summary>
    /// Marks a claimed stream as no longer connected to this replica, so another may take it at once;
    /// <paramref name="broken"/> when its call ended without a clean close (its <c>disconnected</c> is still to judge).
    /// </summary>
    void Release(StreamState state, bool broken);

    /// <summary>
    /// Writes every state in one transaction; durable when it returns. A state never goes back to a lower sequence.
    /// Returns the streams whose save was refused because another replica claimed them since (their epoch is
    /// stale); those must not be acked. A store of one service never refuses.
    /// </summary>
    IReadOnlyCollection<StreamKey> SaveAll(IReadOnlyCollection<StreamState> states);
}
