namespace TbBridge.Events;

/// <summary>One intact TFRecord of an event file: where it starts and its payload (a serialized event).</summary>
/// <param name="Offset">Byte offset of the record's header in the file.</param>
/// <param name="Payload">The record's data, a copy the caller owns.</param>
public readonly record struct EventRecord(long Offset, ReadOnlyMemory<byte> Payload);
