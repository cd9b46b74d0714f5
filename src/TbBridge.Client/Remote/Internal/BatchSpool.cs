using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using TbBridge.Protocol.V1;

namespace TbBridge.Remote.Internal;

/// <summary>
/// One stream's batches on disk: <c>&lt;root&gt;/&lt;key&gt;/stream.meta</c> (stream id, project, run, worker)
/// and one <c>&lt;sequence&gt;.batch</c> file per unacknowledged batch, written to a temporary name and
/// renamed, deleted on ack. A file survives the process crashing (it is in the OS's cache), not a power loss.
/// </summary>
internal sealed class BatchSpool
{
    private const string MetaFile = "stream.meta";
    private const string Extension = ".batch";
    private readonly long _maxBytes;
    private long _bytes;

    private BatchSpool(string directory, string streamId, long maxBytes, long bytes)
    {
        Directory = directory;
        StreamId = streamId;
        _maxBytes = maxBytes;
        _bytes = bytes;
    }

    public string Directory { get; }

    public string StreamId { get; }

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// Opens the spool of (project, run, worker) under <paramref name="root"/>: when batches are left from an
    /// earlier process, its stream id and those batches (ascending) come back so they can be replayed; otherwise
    /// a new stream id is taken.
    /// </summary>
    public static (BatchSpool Spool, IReadOnlyList<(ulong Sequence, PointBatch Batch, int Size)> Left) Open(string root, string project, string run, string worker, long maxBytes)
    {
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(project + "\n" + run + "\n" + worker)))[..24].ToLowerInvariant();
        string directory = Path.Combine(root, key);
        System.IO.Directory.CreateDirectory(directory);
        string metaPath = Path.Combine(directory, MetaFile);

        var left = new List<(ulong, PointBatch, int)>();
        foreach (string file in System.IO.Directory.GetFiles(directory, "*" + Extension))
        {
            if (ulong.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out ulong sequence))
            {
                try
                {
                    byte[] bytes = File.ReadAllBytes(file);
                    left.Add((sequence, PointBatch.Parser.ParseFrom(bytes), bytes.Length));
                }
                catch (InvalidProtocolBufferException)
                {
                    File.Delete(file); // torn by a crash before the rename could not happen; a renamed file is whole
                }
            }
        }

        string streamId;
        if (left.Count > 0 && File.Exists(metaPath) && File.ReadAllLines(metaPath) is [var id, ..])
        {
            streamId = id;
        }
        else
        {
            left.Clear();
            streamId = Guid.NewGuid().ToString("N");
            File.WriteAllLines(metaPath, [streamId, project, run, worker]);
        }

        left.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return (new BatchSpool(directory, streamId, maxBytes, left.Sum(l => (long)l.Item3)), left);
    }

    /// <summary>The runs (of this project and worker, at or under <paramref name="run"/>) that have batches left in the spool.</summary>
    public static IReadOnlyList<string> FindLeftRuns(string root, string project, string run, string worker)
    {
        var runs = new List<string>();
        if (!System.IO.Directory.Exists(root))
        {
            return runs;
        }

        foreach (string directory in System.IO.Directory.GetDirectories(root))
        {
            string metaPath = Path.Combine(directory, MetaFile);
            if (File.Exists(metaPath)
                && File.ReadAllLines(metaPath) is [_, var p, var r, var w]
                && p == project && w == worker && (r == run || r.StartsWith(run + "/", StringComparison.Ordinal))
                && System.IO.Directory.EnumerateFiles(directory, "*" + Extension).Any())
            {
                runs.Add(r);
            }
        }

        return runs;
    }

    /// <summary>Writes a batch; false when the spool is full.</summary>
    public bool TryWrite(PointBatch batch, int size)
    {
        if (Interlocked.Read(ref _bytes) + size > _maxBytes)
        {
            return false;
        }

        string path = PathOf(batch.Sequence);
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            batch.WriteTo(stream);
        }

        File.Move(temporary, path, overwrite: true);
        Interlocked.Add(ref _bytes, size);
        return true;
    }

    public PointBatch Read(ulong sequence) => PointBatch.Parser.ParseFrom(File.ReadAllBytes(PathOf(sequence)));

    public void Delete(ulong sequence, int size)
    {
        File.Delete(PathOf(sequence));
        Interlocked.Add(ref _bytes, -size);
    }

    private string PathOf(ulong sequence) => Path.Combine(Directory, sequence.ToString("D20", CultureInfo.InvariantCulture) + Extension);
}
