namespace TbBridge.Remote.Internal;

/// <summary>How long to wait before the next connection attempt (grpc-dotnet's <c>IBackoffPolicy</c>).</summary>
internal interface IBackoffPolicy
{
    /// <summary>The delay before the next attempt; each call is one more failure in a row.</summary>
    TimeSpan NextBackoff();

    /// <summary>A connection succeeded: the next failure starts from the first delay again.</summary>
    void Reset();
}
