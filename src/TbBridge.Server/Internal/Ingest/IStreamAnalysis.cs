namespace TbBridge.Server.Internal.Ingest;

/// <summary>
/// The analysis of one worker of one run: sees every accepted batch of its streams, across reconnects, and raises
/// alerts through its factory's callback.
/// </summary>
internal interface IStreamAnalysis
{
    void Observe(IngestBatch batch);

    /// <summary>
    /// Feeds the worker's own event files, oldest first, each up to its length (what was durable when the replay began;
    /// a live stream may be appending to the last): the analysis of a run the service held before it started. Returns the points fed.
    /// </summary>
    /// <param name="files">The files and the length of each to read.</param>
    /// <param name="serviceEntries">Receives the first line of each text entry the service itself wrote into the files (its alert log), in file order.</param>
    /// <param name="cancellationToken">Stops the replay (the service stops).</param>
    long Replay(IReadOnlyList<(string File, long Length)> files, ICollection<string> serviceEntries, CancellationToken cancellationToken);

    /// <summary>The worker's stream ended cleanly: the end-of-run checks run.</summary>
    void Complete();
}
