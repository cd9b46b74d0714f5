using System.Globalization;
using Grpc.Core;
using TbBridge.Events;
using TbBridge.Protocol.V1;
using TbBridge.Remote.Internal;

namespace TbBridge.Cli.Commands.Follow;

/// <summary>
/// Follows one event file that may still be growing and streams its points to the service, exactly once. The
/// stream identity is <see cref="UploadFile"/>'s (a hash of project, run, file name and first record; batches
/// numbered 1, 2, 3… and placed in the file by the <see cref="UploadLedger"/>), so whatever connection this is (a
/// first one, a reconnect after the service was away, a follower started again) it reads the file from the start,
/// skips the points the service says it holds and sends the rest. Records are read with
/// <see cref="EventFileReader.ReadAvailable"/>, which leaves a partly written last record for the next poll.
/// Each poll first checks that the file is still the one read: a file whose first record changed was created
/// again (this follower hands over what it read and ends; the directory follower starts a new stream for the new
/// file), and a file shorter than what was read was truncated (it cannot be matched with what was sent: it is no
/// longer followed, and the follower's outcome is a failure).
/// </summary>
internal sealed class FileFollower
{
    private readonly IngestService.IngestServiceClient _client;
    private readonly Metadata _headers;
    private readonly FollowSettings _settings;
    private readonly IBackoffPolicy _backoff;
    private long _sent;
    private long _alreadyThere;
    private long _acked;
    private long _read;
    private long _readBytes;
    private long _bytesBehind;
    private int _connected;
    private UploadLedger? _ledger;

    public FileFollower(UploadFile file, IngestService.IngestServiceClient client, Metadata headers, FollowSettings settings, IBackoffPolicy backoff)
    {
        File = file;
        _client = client;
        _headers = headers;
        _settings = settings;
        _backoff = backoff;
    }

    public UploadFile File { get; }

    /// <summary>Points this process sent (a resend after a reconnect counts again).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Points the service already held when this process first opened the stream.</summary>
    public long AlreadyThere => Interlocked.Read(ref _alreadyThere);

    /// <summary>Sendable points read from the file so far.</summary>
    public long Read => Interlocked.Read(ref _read);

    /// <summary>Sendable points the service has acknowledged (its cumulative sequence).</summary>
    public long Acknowledged => Interlocked.Read(ref _acked);

    /// <summary>Bytes of the file not yet read (a partly written record included).</summary>
    public long BytesBehind => Interlocked.Read(ref _bytesBehind);

    public bool IsConnected => Volatile.Read(ref _connected) == 1;

    /// <summary>Why the last connection attempt or call failed, while not connected.</summary>
    public string? LastError { get; private set; }

    /// <summary>The service refused this file's stream for good (a key, a name, a numbering it will refuse again): it is no longer followed.</summary>
    public bool Refused { get; private set; }

    /// <summary>The file was truncated while followed: what it holds now cannot be matched with what was sent, so it is no longer followed.</summary>
    public bool Truncated { get; private set; }

    /// <summary>The file was deleted and created again under its name: this follower handed over what it read of the old one and ended.</summary>
    public bool Replaced { get; private set; }

    /// <summary>Told at once, in a line for a person, when the file was found truncated or created again.</summary>
    public Action<string>? Notice { get; set; }

    /// <summary>
    /// Follows until <paramref name="stop"/>; then reads what is there, sends it and waits for its ack. Returns
    /// true when everything read was acknowledged. <paramref name="abort"/> ends every call at once.
    /// </summary>
    public async Task<bool> RunAsync(CancellationToken stop, CancellationToken abort)
    {
        using var ledger = UploadLedger.Open(_settings.StateDirectory, File.StreamId);
        _ledger = ledger;
        bool first = true;
        while (!abort.IsCancellationRequested)
        {
            bool worthRetrying = false;
            try
            {
                bool done = await FollowOnceAsync(first, stop, abort).ConfigureAwait(false);
                if (done)
                {
                    return Acknowledged >= Read && !Refused && !Truncated;
                }
            }
            catch (RpcException ex) when (!abort.IsCancellationRequested && IsPermanent(ex.StatusCode))
            {
                // The same stream would be refused again (docs/server.md, "Statuses"): stop, and say why at the end.
                LastError = $"{ex.StatusCode}: {ex.Status.Detail}";
                Refused = true;
                return false;
            }
            catch (Exception ex) when (!abort.IsCancellationRequested && IsConnectionFailure(ex))
            {
                LastError = ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
                // Worth retrying while stopping: the service answered ABORTED (the stream is still held by a replica that
                // died: that hold lasts its ReplicaTimeout), or an open connection broke (a replica died under it, and the
                // address answers again from another).
                worthRetrying = ex is RpcException { StatusCode: StatusCode.Aborted } || IsConnected;
            }
            finally
            {
                Volatile.Write(ref _connected, 0);
                RefreshBytesBehind();
            }

            first = false;
            if (stop.IsCancellationRequested && !worthRetrying)
            {
                return false; // the service is away as we stop: what is left in the file was not handed over
            }

            try
            {
                // Stopping keeps retrying those until the drain timeout, to hand over the rest and close cleanly.
                await Task.Delay(_backoff.NextBackoff(), _settings.Time, worthRetrying ? abort : stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping while the service is away: one last try to hand over what was read.
            }
        }

        return false;
    }

    /// <summary>One connection: true when it ended because the follower stops, after the final ack.</summary>
    private async Task<bool> FollowOnceAsync(bool first, CancellationToken stop, CancellationToken abort)
    {
        var open = new OpenStream { Project = File.Project, Run = File.Run, Worker = File.Worker, Host = Environment.MachineName, StreamId = File.StreamId };
        var connection = await IngestConnection.OpenAsync(_client, _headers, open, _settings.OpenTimeout, _settings.Time, OnAck, abort).ConfigureAwait(false);
        await using var _ = connection.ConfigureAwait(false);
        if (_ledger!.Resume(connection.HeldSequence) is not { } held)
        {
            LastError = File.UnknownHeld(connection.HeldSequence, _ledger);
            Refused = true;
            await connection.CompleteAsync().ConfigureAwait(false); // nothing sent: end the call the clean way
            return true;
        }

        Interlocked.Exchange(ref _acked, (long)held);
        if (first)
        {
            Interlocked.Exchange(ref _alreadyThere, (long)held);
        }

        Volatile.Write(ref _connected, 1);
        LastError = null;
        _backoff.Reset();

        // Each connection reads the file from its start: the service's last sequence says how much to skip.
        using var reader = new EventFileReader(File.Path);
        var decoder = new EventDecoder();
        var batch = new BatchBuilder();
        ulong index = 0;
        while (true)
        {
            bool stopping = stop.IsCancellationRequested;
            var change = Check(reader.Position);
            if (change is not FileChange.None)
            {
                stopping |= change is FileChange.Truncated or FileChange.Replaced;
            }

            foreach (var record in change is FileChange.None ? reader.ReadAvailable() : Enumerable.Empty<EventRecord>())
            {
                DecodedEvent decoded;
                try
                {
                    decoded = decoder.Decode(record.Payload.Span);
                }
                catch (InvalidDataException)
                {
                    continue; // intact framing, not an event: nothing to send (inspect lists such records)
                }

                foreach (var value in decoded.Values)
                {
                    if (!BatchBuilder.CanCarry(value) || ++index <= held)
                    {
                        continue;
                    }

                    batch.Add(value, decoded.Step, decoded.WallTime);
                    if (batch.Count >= _settings.BatchPoints)
                    {
                        await SendAsync(connection, batch, index, abort).ConfigureAwait(false);
                    }
                }
            }

            if (batch.Count > 0)
            {
                await SendAsync(connection, batch, index, abort).ConfigureAwait(false);
            }

            Interlocked.Exchange(ref _read, Math.Max((long)index, (long)held));
            Interlocked.Exchange(ref _readBytes, reader.Position);
            RefreshBytesBehind();
            if (stopping)
            {
                await connection.CompleteAsync().ConfigureAwait(false);
                return true;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop, connection.Ended);
            try
            {
                await Task.Delay(_settings.PollInterval, _settings.Time, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!abort.IsCancellationRequested)
            {
                if (!stop.IsCancellationRequested)
                {
                    // The call ended under us (the service stopped, a connection broke): say why and reconnect.
                    throw await connection.WhenEndedAsync().ConfigureAwait(false) ?? new IOException("The service ended the stream.");
                }
            }
        }
    }

    /// <summary>
    /// What is unread is measured from the last position read while connected, and measured again while the service is
    /// away: the file goes on growing, and a status line that froze the figure would under-report what is not delivered.
    /// </summary>
    private void RefreshBytesBehind()
    {
        try
        {
            Interlocked.Exchange(ref _bytesBehind, Math.Max(0, new FileInfo(File.Path).Length - Interlocked.Read(ref _readBytes)));
        }
        catch (IOException)
        {
            // The file went away: keep the last figure.
        }
    }

    /// <summary>Whether the file at the path is still the one read up to <paramref name="position"/>.</summary>
    private FileChange Check(long position)
    {
        long length;
        try
        {
            var info = new FileInfo(File.Path);
            if (!info.Exists)
            {
                return FileChange.Unsettled; // deleted: perhaps created again, the next poll sees
            }

            length = info.Length;
        }
        catch (IOException)
        {
            return FileChange.Unsettled;
        }

        string? identity = UploadFile.IdentityOf(File.Path);
        if (identity is null)
        {
            return position > 0 ? FileChange.Unsettled : FileChange.None; // a first record being written
        }

        if (identity != File.Identity)
        {
            Replaced = true;
            Notice?.Invoke($"{File.Project}/{File.Run} ({System.IO.Path.GetFileName(File.Path)}) was created again under its name: what was read of the old file is handed over, and the new one is followed as a new stream from its start");
            return FileChange.Replaced;
        }

        if (length < position)
        {
            Truncated = true;
            LastError = string.Create(
                CultureInfo.InvariantCulture,
                $"the file was truncated from {position:N0} to {length:N0} bytes while followed ({Read:N0} points read, {Acknowledged:N0} acknowledged): what it holds now cannot be matched with what was sent, so it is no longer followed; upload a copy under a new name");
            Notice?.Invoke($"{File.Project}/{File.Run} ({System.IO.Path.GetFileName(File.Path)}): {LastError}");
            return FileChange.Truncated;
        }

        return FileChange.None;
    }

    private async Task SendAsync(IngestConnection connection, BatchBuilder batch, ulong end, CancellationToken abort)
    {
        int count = batch.Count;
        await UploadFile.SendAsync(connection, _ledger!, batch, end, abort).ConfigureAwait(false);
        Interlocked.Add(ref _sent, count);
    }

    private void OnAck(ulong sequence)
    {
        long value = (long)_ledger!.EndOf(sequence);
        long current = Interlocked.Read(ref _acked);
        while (value > current)
        {
            long seen = Interlocked.CompareExchange(ref _acked, value, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }
    }

    private static bool IsPermanent(StatusCode code) =>
        code is StatusCode.InvalidArgument or StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.FailedPrecondition;

    private static bool IsConnectionFailure(Exception ex) =>
        ex is RpcException or IOException or TimeoutException or InvalidOperationException or OperationCanceledException or HttpRequestException;

    private enum FileChange
    {
        None,
        Unsettled,
        Truncated,
        Replaced,
    }
}
