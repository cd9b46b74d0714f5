using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using TbBridge.Events;
using TbBridge.Protocol.V1;
using TbBridge.Remote.Internal;

namespace TbBridge.Cli.Commands;

/// <summary>
/// One event file to upload, with the stream identity that makes uploads idempotent: the worker comes from a hash
/// of (project, run, file name), the stream id from a hash of those and the file's first record (the writer's
/// file_version event with its wall time), so a file deleted and created again under the same name is a new
/// stream of the same worker. Batches are numbered 1, 2, 3…; the <see cref="UploadLedger"/> records where each
/// ends in the file, so the service's last sequence says exactly how many points to skip.
/// </summary>
internal sealed record UploadFile(string Path, string Project, string Run, string Worker, string StreamId, string? Identity)
{
    /// <summary>How long a stream waits for the service's answer to 'open' before the attempt is retried.</summary>
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);

    public static IReadOnlyList<UploadFile> Plan(string logDir, string project)
    {
        var files = new List<UploadFile>();
        foreach (var run in LogDirectory.DiscoverRuns(logDir))
        {
            string name = run.Name == "." ? System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(logDir)) : run.Name.Replace('\\', '/');
            foreach (string file in run.EventFiles)
            {
                files.Add(For(System.IO.Path.Combine(run.Directory, file), project, name));
            }
        }

        return files;
    }

    /// <summary>The upload identity of one file as it is now (<see cref="Identity"/> is null while its first record is incomplete).</summary>
    public static UploadFile For(string path, string project, string run)
    {
        string key = project + "\n" + run + "\n" + System.IO.Path.GetFileName(path);
        string? identity = IdentityOf(path);
        return new UploadFile(path, project, run, "upload-" + Hash(key)[..12], "upload-" + Hash(key + "\n" + identity)[..32], identity);
    }

    /// <summary>A hash of the file's first complete record, or null when it has none yet (or is gone).</summary>
    public static string? IdentityOf(string path)
    {
        try
        {
            using var reader = new EventFileReader(path);
            foreach (var record in reader.ReadAvailable())
            {
                return Convert.ToHexString(SHA256.HashData(record.Payload.Span))[..16].ToLowerInvariant();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    /// <summary>Says why a stream cannot resume: the service holds batches the ledger cannot place in the file.</summary>
    public string UnknownHeld(ulong held, UploadLedger ledger) => string.Create(
        CultureInfo.InvariantCulture,
        $"the service holds {held} batches of this file's stream, and the upload ledger ({ledger.FilePath}) does not say where they end (it was uploaded from another machine or state directory, or the ledger was removed); nothing was sent, since sending the file from its start would double it: upload again with the same --state-dir");

    /// <summary>
    /// Uploads what the service does not hold yet. A stream the service ended as unavailable, or whose 'open'
    /// it never received (DEADLINE_EXCEEDED), is opened again, up to three times: the resume protocol makes a
    /// retry send only what is missing.
    /// </summary>
    public async Task<UploadResult> UploadAsync(IngestService.IngestServiceClient client, Metadata headers, int batchPoints, string stateDirectory, Action<long> progress, CancellationToken cancellationToken)
    {
        long sentBefore = 0;
        using var ledger = UploadLedger.Open(stateDirectory, StreamId);
        for (int attempt = 1; ; attempt++)
        {
            var (result, status) = await UploadOnceAsync(client, headers, batchPoints, ledger, progress, cancellationToken).ConfigureAwait(false);
            result = result with { Sent = sentBefore + result.Sent, AlreadyThere = Math.Max(0, result.AlreadyThere - sentBefore) };
            if (status is not (StatusCode.DeadlineExceeded or StatusCode.Unavailable) || attempt == 3)
            {
                return result;
            }

            sentBefore = result.Sent;
        }
    }

    private async Task<(UploadResult Result, StatusCode? Status)> UploadOnceAsync(IngestService.IngestServiceClient client, Metadata headers, int batchPoints, UploadLedger ledger, Action<long> progress, CancellationToken cancellationToken)
    {
        long sent = 0, alreadyThere = 0, skipped = 0;
        try
        {
            var open = new OpenStream { Project = Project, Run = Run, Worker = Worker, Host = Environment.MachineName, StreamId = StreamId };
            var connection = await IngestConnection.OpenAsync(client, headers, open, OpenTimeout, TimeProvider.System, onAck: null, cancellationToken).ConfigureAwait(false);
            await using var _ = connection.ConfigureAwait(false);
            if (ledger.Resume(connection.HeldSequence) is not { } held)
            {
                return (new UploadResult(this, 0, 0, 0, [], UnknownHeld(connection.HeldSequence, ledger)), null);
            }

            var batch = new BatchBuilder();
            ulong index = 0; // points of the file seen so far, sendable ones only
            var decoder = new EventDecoder();
            using var reader = new EventFileReader(Path);
            foreach (var record in reader.ReadToEnd())
            {
                var decoded = decoder.Decode(record.Payload.Span);
                foreach (var value in decoded.Values)
                {
                    if (!BatchBuilder.CanCarry(value))
                    {
                        skipped++;
                        continue;
                    }

                    if (++index <= held)
                    {
                        alreadyThere++;
                        continue;
                    }

                    batch.Add(value, decoded.Step, decoded.WallTime);
                    if (batch.Count >= batchPoints)
                    {
                        sent += await SendAsync(connection, ledger, batch, index, cancellationToken).ConfigureAwait(false);
                    }
                }

                progress(reader.Position);
            }

            if (batch.Count > 0)
            {
                sent += await SendAsync(connection, ledger, batch, index, cancellationToken).ConfigureAwait(false);
            }

            ulong acked = ledger.EndOf(await connection.CompleteAsync().ConfigureAwait(false));
            string? error = acked >= index ? null : string.Create(CultureInfo.InvariantCulture, $"the service acknowledged {acked} of {index} points");
            return (new UploadResult(this, sent, alreadyThere, skipped, reader.Errors, error), null);
        }
        catch (RpcException ex)
        {
            return (new UploadResult(this, sent, alreadyThere, skipped, [], $"{ex.StatusCode}: {ex.Status.Detail}", ex), ex.StatusCode);
        }
        catch (TimeoutException ex)
        {
            return (new UploadResult(this, sent, alreadyThere, skipped, [], ex.Message), StatusCode.DeadlineExceeded);
        }
        catch (IOException ex)
        {
            return (new UploadResult(this, sent, alreadyThere, skipped, [], ex.Message), null);
        }
    }

    /// <summary>Records the batch in the ledger (durably), then sends it under the ledger's next sequence.</summary>
    public static async Task<long> SendAsync(IngestConnection connection, UploadLedger ledger, BatchBuilder batch, ulong end, CancellationToken cancellationToken)
    {
        int count = batch.Count;
        ulong sequence = ledger.Record(end);
        await connection.SendAsync(batch.Take(sequence), cancellationToken).ConfigureAwait(false);
        return count;
    }
}
