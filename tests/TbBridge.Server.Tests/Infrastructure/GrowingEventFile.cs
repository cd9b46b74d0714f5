using TbBridge.Events;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A training job's event file, written the way a live writer grows it: the whole file is first encoded into a
/// staging folder, then copied into the followed log directory in bursts that end wherever the test says,
/// including in the middle of a record.
/// </summary>
internal sealed class GrowingEventFile
{
    private readonly string _target;
    private int _written;

    /// <param name="fileName">The followed copy's name; by default the writer's own (a file created again under an old name passes that one).</param>
    public GrowingEventFile(string staging, string runDirectory, string tag, long firstStep, int count, string? fileName = null)
    {
        Tag = tag;
        string folder = Path.Combine(staging, Guid.NewGuid().ToString("N"));
        var encoder = new EventEncoder();
        var points = new List<(long, float)>();
        string path;
        using (var writer = EventFileWriter.Create(folder, new EventFileWriterOptions { FileNameSuffix = "." + Guid.NewGuid().ToString("N")[..8] }))
        {
            for (int i = 0; i < count; i++)
            {
                long step = firstStep + i;
                float value = (float)(3.0 / (1 + i)) + (i % 7 * 0.001f);
                writer.WriteEvent(encoder.Scalar(tag, step, 1_800_000_000 + (step * 0.25), value));
                points.Add((step, value));
            }

            path = writer.FilePath;
        }

        Points = points;
        Bytes = File.ReadAllBytes(path);
        Frames = IndependentEvents.Frames(Bytes).ToArray();
        Directory.CreateDirectory(runDirectory);
        _target = Path.Combine(runDirectory, fileName ?? Path.GetFileName(path));
    }

    /// <summary>The followed copy.</summary>
    public string TargetPath => _target;

    public string Tag { get; }

    /// <summary>The points in the file, in order: what the service must end up holding, once each.</summary>
    public IReadOnlyList<(long Step, float Value)> Points { get; }

    public byte[] Bytes { get; }

    /// <summary>The records: the file-version header first, then one per point.</summary>
    public IReadOnlyList<(int Start, int Length, int End)> Frames { get; }

    /// <summary>Appends the file's bytes up to <paramref name="offset"/> (exclusive) to the followed copy.</summary>
    public void AppendUpTo(int offset)
    {
        using var stream = new FileStream(_target, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(Bytes.AsSpan(_written, offset - _written));
        stream.Flush();
        _written = offset;
    }
}
