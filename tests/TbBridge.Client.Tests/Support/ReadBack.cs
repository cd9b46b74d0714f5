using System.Buffers.Binary;
using TbBridge.Events;
using TbBridge.Events.Protos;

namespace TbBridge.Client.Tests.Support;

/// <summary>Reads what a writer left on disk through TbBridge.Events, an independent path from the writer's encoder.</summary>
internal static class ReadBack
{
    /// <summary>Every run under <paramref name="logDir"/>, by run name ("." for the root), decoded.</summary>
    public static Dictionary<string, List<DecodedEvent>> Runs(string logDir)
    {
        var result = new Dictionary<string, List<DecodedEvent>>(StringComparer.Ordinal);
        foreach (var run in LogDirectory.DiscoverRuns(logDir))
        {
            var errors = new List<EventReadError>();
            result[run.Name] = [.. RunReader.ReadRun(run, errors)];
            Assert.Empty(errors);
        }

        return result;
    }

    /// <summary>(step, value) of every scalar with <paramref name="tag"/> in a run, in file order.</summary>
    public static List<(long Step, double Value)> Scalars(IEnumerable<DecodedEvent> events, string tag) =>
        [.. events.SelectMany(e => e.Values.Where(v => v.Tag == tag && v.Kind == ValueKind.Scalar).Select(v => (e.Step, v.Scalar)))];

    /// <summary>Raw events of every file of a directory, parsed into the generated type (plain framing, no CRC check).</summary>
    public static List<Event> RawEvents(string directory)
    {
        var events = new List<Event>();
        foreach (string file in Directory.GetFiles(directory).Where(f => f.Contains("tfevents", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            byte[] bytes = File.ReadAllBytes(file);
            int position = 0;
            while (position < bytes.Length)
            {
                int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(position)));
                events.Add(Event.Parser.ParseFrom(bytes, position + 12, length));
                position += 12 + length + 4;
            }
        }

        return events;
    }
}
