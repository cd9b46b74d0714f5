using Microsoft.Win32.SafeHandles;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>The group committer's side of a session: prepare under the lock, fsync outside it, then ack; or roll back.</summary>
internal sealed partial class StreamSession
{
    /// <summary>
    /// Appends the commit's marker, hands buffered records to the OS and captures what a commit will cover: the last
    /// sequence written and the file length it ends at. Null when nothing changed since the last commit, or the session failed.
    /// </summary>
    public PreparedCommit? PrepareCommit()
    {
        lock (_gate)
        {
            if (!_dirty || _disposed || Failure is not null || _writer is null)
            {
                return null;
            }

            if (_lastWritten > 0)
            {
                // Fsynced with the batches it follows: the file itself proves this commit (see CommitMarker).
                _writer.WriteEvent(_encoder.LogMessage(Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, CommitMarker.Message(Identity.StreamId, _lastWritten)));
            }

            _writer.Flush();
            _dirty = false;
            return new PreparedCommit(this, _lastWritten, _writer.Length, _syncHandle!);
        }
    }

    /// <summary>The commit is durable (file and resume state): ack it.</summary>
    public void CompleteCommit(ulong sequence, long fileLength)
    {
        lock (_gate)
        {
            if (fileLength > _durableOffset)
            {
                _durableOffset = fileLength;
            }

            if (sequence > _lastDurable)
            {
                _lastDurable = sequence;
            }
        }

        _acks.Writer.TryWrite(sequence);
    }

    /// <summary>
    /// Cuts the file back to its durable offset, so that bytes of batches that were never acked (the client sends them
    /// again) are not left in it; a file with nothing durable is removed. Only the committer calls it, under its commit
    /// lock, so no commit of this session is between its fsync and its saved state meanwhile. Throws if the cut fails:
    /// the next open of the stream, or the next start, cuts it again.
    /// </summary>
    /// <param name="sealedLength">
    /// Where another replica that took this stream sealed the file (a restored database can make it longer than this
    /// session's durable offset: the claim moved forward to the file's commit markers); the file is never cut below it
    /// (<see cref="long.MaxValue"/>: not cut at all).
    /// </param>
    public void RollBack(long? sealedLength = null)
    {
        lock (_gate)
        {
            CloseFile();
            _lastWritten = _lastDurable;
            _dirty = false;
            DurableFile.CutBack(FilePath, Math.Max(_durableOffset, sealedLength ?? 0));
        }
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
            CloseFile();
        }
    }

    /// <summary>Closes the writer and the sync handle; a writer whose last flush fails (the disk is full) is closed all the same.</summary>
    private void CloseFile()
    {
        var writer = _writer;
        var handle = _syncHandle;
        _writer = null;
        _syncHandle = null;
        try
        {
            writer?.Dispose();
        }
        catch (IOException)
        {
            // Its buffer could not be written: those bytes were never acked, and the file is cut back below or on the next open.
        }
        finally
        {
            handle?.Dispose();
        }
    }
}

/// <summary>What one session contributes to a group commit.</summary>
internal sealed record PreparedCommit(StreamSession Session, ulong Sequence, long FileLength, SafeFileHandle SyncHandle);
