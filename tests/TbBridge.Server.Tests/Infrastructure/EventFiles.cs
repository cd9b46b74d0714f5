using TbBridge.Events;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>Reads a run back through TbBridge.Events, independently of the server's writer.</summary>
internal static class EventFiles
{
    public static string RunDirectory(string dataDirectory, string project, string run) =>
        Path.Combine([dataDirectory, project, .. run.Split('/')]);

    /// <summary>Every event file of the run, its workers' directories included, in name order.</summary>
    public static IReadOnlyList<string> Files(string dataDirectory, string project, string run)
    {
        string directory = RunDirectory(dataDirectory, project, run);
        return Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Where(f => EventFileNames.IsEventFile(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    /// <summary>Every decoded event of every file of the run; fails on any framing or CRC error.</summary>
    public static IReadOnlyList<DecodedEvent> ReadAll(string dataDirectory, string project, string run)
    {
        var decoder = new EventDecoder();
        var events = new List<DecodedEvent>();
        foreach (var file in Files(dataDirectory, project, run))
        {
            var errors = new List<EventReadError>();
            events.AddRange(RunReader.ReadFile(file, decoder, errors));
            Assert.Empty(errors);
        }

        return events;
    }

    public static IReadOnlyList<(string Tag, long Step, double Value, double WallTime)> Scalars(string dataDirectory, string project, string run) =>
        ReadAll(dataDirectory, project, run)
            .SelectMany(e => e.Values.Where(v => v.Kind == ValueKind.Scalar).Select(v => (v.Tag, e.Step, v.Scalar, e.WallTime)))
            .ToArray();
}
