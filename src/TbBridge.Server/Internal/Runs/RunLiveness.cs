namespace TbBridge.Server.Internal.Runs;

/// <summary>Where a run, or one of its streams, stands (docs/detection.md, <c>stalled</c> and <c>disconnected</c>).</summary>
internal enum RunLiveness
{
    /// <summary>No stream connected, and every stream the service saw end closed cleanly (or none was seen since it started).</summary>
    Finished,

    /// <summary>A stream is connected and sending within its usual interval.</summary>
    Live,

    /// <summary>Connected, but silent for much longer than usual.</summary>
    Stalled,

    /// <summary>No stream connected, and one ended without a clean close and has not come back.</summary>
    Disconnected,
}
