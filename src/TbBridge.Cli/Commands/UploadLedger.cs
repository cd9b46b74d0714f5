using System.Globalization;
using System.Text;

namespace TbBridge.Cli.Commands;

/// <summary>
/// Where each batch of an upload stream ends in its file: one line <c>sequence points</c> per batch (the count of
/// sendable points of the file up to the batch's end), in <c>&lt;state-dir&gt;/upload/&lt;stream id&gt;.ledger</c>.
/// The service takes sequences that rise by exactly one, so a sequence says nothing of a position by itself; the
/// ledger does. A batch's line is written and fsync'd before the batch is sent, so whatever sequence the service
/// holds, the ledger knows where it ends; lines above what the service holds (sent and never made durable) are cut
/// when the stream resumes, and the batches are numbered again from there. Thread-safe (the ack reader asks).
/// </summary>
internal sealed class UploadLedger : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<(ulong Sequence, ulong End)> _entries = [];
    private FileStream? _file;

    private UploadLedger(string path) => FilePath = path;

    public string FilePath { get; }

    /// <summary>The state directory: <c>$TBBRIDGE_STATE_DIR</c>, else <c>$XDG_STATE_HOME/tbbridge</c>, else <c>~/.local/state/tbbridge</c>.</summary>
    public static string DefaultStateDirectory()
    {
        if (Environment.GetEnvironmentVariable("TBBRIDGE_STATE_DIR") is { Length: > 0 } explicitDir)
        {
            return explicitDir;
        }

        string? xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state") : xdg;
        return Path.Combine(root, "tbbridge");
    }

    /// <summary>Reads the ledger of <paramref name="streamId"/> (empty when there is none); a torn last line is ignored.</summary>
    public static UploadLedger Open(string stateDirectory, string streamId)
    {
        var ledger = new UploadLedger(Path.Combine(stateDirectory, "upload", streamId + ".ledger"));
        if (File.Exists(ledger.FilePath))
        {
            foreach (string line in File.ReadAllLines(ledger.FilePath))
            {
                string[] parts = line.Split(' ');
                if (parts.Length == 2
                    && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong sequence)
                    && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong end)
                    && sequence == (ulong)ledger._entries.Count + 1)
                {
                    ledger._entries.Add((sequence, end));
                }
                else
                {
                    break;
                }
            }
        }

        return ledger;
    }

    /// <summary>
    /// The stream resumes where the service holds <paramref name="held"/>: the ledger keeps what ends there and forgets
    /// the rest. Returns the count of sendable points those batches cover, or null when the ledger does not know
    /// <paramref name="held"/> (the stream was sent from another machine, by an older tbbridge, or the ledger was removed).
    /// </summary>
    public ulong? Resume(ulong held)
    {
        lock (_gate)
        {
            if (held > (ulong)_entries.Count)
            {
                return null;
            }

            _entries.RemoveRange((int)held, _entries.Count - (int)held);
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            _file?.Dispose();
            _file = new FileStream(FilePath, FileMode.Create, FileAccess.Write, FileShare.Read);
            var text = new StringBuilder();
            foreach (var (sequence, end) in _entries)
            {
                text.Append(CultureInfo.InvariantCulture, $"{sequence} {end}\n");
            }

            _file.Write(Encoding.ASCII.GetBytes(text.ToString()));
            _file.Flush(flushToDisk: true);
            return held == 0 ? 0 : _entries[(int)held - 1].End;
        }
    }

    /// <summary>The next sequence to send (the last recorded + 1).</summary>
    public ulong NextSequence
    {
        get
        {
            lock (_gate)
            {
                return (ulong)_entries.Count + 1;
            }
        }
    }

    /// <summary>Records the next batch, ending after <paramref name="end"/> sendable points, durably; returns its sequence.</summary>
    public ulong Record(ulong end)
    {
        lock (_gate)
        {
            if (_file is null)
            {
                throw new InvalidOperationException("Resume the ledger before recording batches.");
            }

            ulong sequence = (ulong)_entries.Count + 1;
            _file.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{sequence} {end}\n")));
            _file.Flush(flushToDisk: true);
            _entries.Add((sequence, end));
            return sequence;
        }
    }

    /// <summary>The sendable points covered by the batches up to <paramref name="sequence"/> (0 for 0).</summary>
    public ulong EndOf(ulong sequence)
    {
        lock (_gate)
        {
            return sequence == 0 ? 0 : _entries[(int)Math.Min(sequence, (ulong)_entries.Count) - 1].End;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}
