namespace TbBridge.Events;

/// <summary>Damage found while reading an event file: which file, where, and what is wrong.</summary>
/// <param name="File">Path of the file.</param>
/// <param name="Offset">Byte offset of the damaged record (or of the event that could not be decoded).</param>
/// <param name="Message">What is wrong, in words.</param>
public sealed record EventReadError(string File, long Offset, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}@{Offset}: {Message}";
}
