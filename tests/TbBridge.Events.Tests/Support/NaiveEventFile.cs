using System.Buffers.Binary;
using TbBridge.Events.Protos;

namespace TbBridge.Events.Tests.Support;

/// <summary>
/// A second, deliberately simple reading of an event file for cross-checks: plain framing with no CRC
/// checks and no resynchronisation, parsed straight into the generated <c>Event</c> type.
/// </summary>
internal static class NaiveEventFile
{
    public static List<Event> Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        int position = 0;
        while (position < bytes.Length)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(position)));
            events.Add(Event.Parser.ParseFrom(bytes, position + 12, length));
            position += 12 + length + 4;
        }

        return events;
    }
}
