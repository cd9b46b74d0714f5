using System.Buffers.Binary;
using TensorBoardEvent = TbBridge.Events.Protos.Event;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Reads a run's event files with a plain TFRecord loop and the tests' own compilation of TensorBoard's
/// messages, not TbBridge.Events: a bug shared by our writer and reader cannot hide behind it. A record the
/// writer has not finished (a file still being written) ends the file.
/// </summary>
internal static class IndependentEvents
{
    /// <summary>What the service itself writes into a run (its alert log): not a point anyone sent.</summary>
    public const string ServiceTag = "tbbridge/alerts";

    public static IReadOnlyList<(string Tag, long Step, float Value)> Scalars(string dataDirectory, string project, string run)
    {
        var points = new List<(string, long, float)>();
        string directory = EventFiles.RunDirectory(dataDirectory, project, run);
        if (!Directory.Exists(directory))
        {
            return points;
        }

        foreach (string file in Directory.EnumerateFiles(directory, "*tfevents*", SearchOption.AllDirectories)) // the workers' directories too
        {
            foreach (var evt in Records(File.ReadAllBytes(file)))
            {
                foreach (var v in evt.Summary?.Value.Where(v => v.Tag != ServiceTag && v.ValueCase == TbBridge.Events.Protos.Summary.Types.Value.ValueOneofCase.SimpleValue) ?? [])
                {
                    points.Add((v.Tag, evt.Step, v.SimpleValue));
                }
            }
        }

        return points;
    }

    /// <summary>Each complete record's event, with the offset where the record ends.</summary>
    public static IEnumerable<TensorBoardEvent> Records(byte[] bytes) => Frames(bytes).Select(f => TensorBoardEvent.Parser.ParseFrom(bytes.AsSpan(f.Start + 12, f.Length)));

    /// <summary>Each complete record's (start, payload length, end).</summary>
    public static IEnumerable<(int Start, int Length, int End)> Frames(byte[] bytes)
    {
        for (int offset = 0; offset + 12 <= bytes.Length;)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset)));
            int end = offset + 12 + length + 4;
            if (end > bytes.Length)
            {
                yield break;
            }

            yield return (offset, length, end);
            offset = end;
        }
    }
}
