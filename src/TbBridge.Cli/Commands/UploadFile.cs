using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using TbBridge.Events;
using TbBridge.Protocol.V1;
using TbBridge.Remote.Internal;

namespace TbBridge.Cli.Commands;

/// <summary>
/// One event file to upload, with the stream identity that makes uploads idempotent: the stream id and
/// worker come from a hash of (project, run, file name), and a batch's sequence is the number of points
/// of the file sent up to its end, so the service's last sequence says exactly how many points to skip.
/// </summary>
internal sealed record UploadFile(string Path, string Project, string Run, string Worker, string StreamId)
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
                string path = System.IO.Path.Combine(run.Directory, file);
                string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(project + "\n" + name + "\n" + System.IO.Path.GetFileName(path)))).ToLowerInvariant();
                files.Add(new UploadFile(path, project, name, "upload-" + hash[..12], "upload-" + hash[..32]));
            }
        }

        return files;
    }

    /// <summary>
    /// Uploads what the service does not hold yet. A stream the service ended as unavailable, or whose 'open'
    /// it never received (DEADLINE_EXCEEDED), is opened again, up to three times: the resume protocol makes a
    /// retry send only what is missing.
    /// </summary>
    public async Task<UploadResult> UploadAsync(IngestService.IngestServiceClient client, Metadata headers, int batchPoints, Action<long> progress, CancellationToken cancellationToken)
    {
        long sentBefore = 0;
        for (int attempt = 1; ; attempt++)
        {
            var (result, status) = await UploadOnceAsync(client, headers, batchPoints, progress, cancellationToken).ConfigureAwait(false);
            result = result with { Sent = sentBefore + result.Sent, AlreadyThere = Math.Max(0, result.AlreadyThere - sentBefore) };
            if (status is not (StatusCode.DeadlineExceeded or StatusCode.Unavailable) || attempt == 3)
            {
                return result;
            }

            sentBefore = result.Sent;
        }
    }

    private async Task<(UploadResult Result, StatusCode? Status)> UploadOnceAsync(IngestService.IngestServiceClient client, Metadata headers, int batchPoints, Action<long> progress, CancellationToken cancellationToken)
    {
        long sent = 0, alreadyThere = 0, skipped = 0;
        try
        {
            var open = new OpenStream { Project = Project, Run = Run, Worker = Worker, Host = Environment.MachineName, StreamId = StreamId };
            var connection = await IngestConnection.OpenAsync(client, headers, open, OpenTimeout, TimeProvider.System, onAck: null, cancellationToken).ConfigureAwait(false);
            await using var _ = connection.ConfigureAwait(false);
            ulong held = connection.HeldSequence;
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
                        sent += await SendAsync(connection, batch, index, cancellationToken).ConfigureAwait(false);
                    }
                }

                progress(reader.Position);
            }

            if (batch.Count > 0)
            {
                sent += await SendAsync(connection, batch, index, cancellationToken).ConfigureAwait(false);
            }

            ulong acked = await connection.CompleteAsync().ConfigureAwait(false);
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

    private static async Task<long> SendAsync(IngestConnection connection, BatchBuilder batch, ulong sequence, CancellationToken cancellationToken)
    {
        int count = batch.Count;
        await connection.SendAsync(batch.Take(sequence), cancellationToken).ConfigureAwait(false);
        return count;
    }
}
