using Microsoft.Win32.SafeHandles;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>The group committer's side of a session: prepare under the lock, fsync outside it, then ack.</summary>
internal sealed partial class StreamSession
{
    /// <summary>
    /// Hands buffered records to the OS and captures what a commit will cover: the last sequence written and
    /// the file length it ends at. Null when nothing changed since the last commit.
    /// </summary>
    public PreparedCommit? PrepareCommit()
    {
        lock (_gate)
        {
            if (!_dirty || _disposed)
            {
                return null;
            }

            _writer.Flush();
            _dirty = false;
            return new PreparedCommit(this, _lastWritten, _writer.Length);
        }
    }

    /// <summary>A second handle on the event file, for fsync while appends go on through the writer.</summary>
    public SafeFileHandle SyncHandle => _syncHandle;

    /// <summary>The commit is durable (file and resume state): ack it.</summary>
    public void CompleteCommit(ulong sequence)
    {
        lock (_gate)
        {
            if (sequence > _lastDurable)
            {
                _lastDurable = sequence;
            }
        }

        _acks.Writer.TryWrite(sequence);
    }

    /// <summary>Marks the session closed; the engine calls it after the session's final commit.</summary>
    public void MarkClosed(Exception? error)
    {
        _acks.Writer.TryComplete(error);
        if (error is null)
        {
            _closed.TrySetResult();
        }
        else
        {
            _closed.TrySetException(error);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                _writer.Dispose();
            }
            finally
            {
                _syncHandle.Dispose();
            }
        }
    }
}

/// <summary>What one session contributes to a group commit.</summary>
internal sealed record PreparedCommit(StreamSession Session, ulong Sequence, long FileLength);
