using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using TbBridge.Events;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands;

/// <summary>
/// One event file to upload, with the stream identity that makes uploads idempotent: the stream id and
/// worker come from a hash of (project, run, file name), and a batch's sequence is the number of points
/// of the file sent up to its end, so the service's last sequence says exactly how many points to skip.
/// </summary>
internal sealed record UploadFile(string Path, string Project, string Run, string Worker, string StreamId)
{
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
            using var call = client.Ingest(headers, cancellationToken: cancellationToken);
            await call.RequestStream.WriteAsync(new IngestRequest { Open = new OpenStream { Project = Project, Run = Run, Worker = Worker, Host = Environment.MachineName, StreamId = StreamId } }, cancellationToken).ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return (new UploadResult(this, 0, 0, 0, 0, "the service closed the stream without answering"), null);
            }

            ulong held = call.ResponseStream.Current.Opened.LastSequence;
            ulong acked = held;
            var acks = Task.Run(async () =>
            {
                while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    if (call.ResponseStream.Current.KindCase == IngestResponse.KindOneofCase.Ack)
                    {
                        acked = Math.Max(acked, call.ResponseStream.Current.Ack.Sequence);
                    }
                }
            }, cancellationToken);

            var batch = new UploadBatch();
            ulong index = 0; // points of the file seen so far, sendable ones only
            var decoder = new EventDecoder();
            using var reader = new EventFileReader(Path);
            foreach (var record in reader.ReadToEnd())
            {
                var decoded = decoder.Decode(record.Payload.Span);
                foreach (var value in decoded.Values)
                {
                    if (!batch.CanCarry(value))
                    {
                        skipped++;
                        continue;
                    }

                    index++;
                    if (index <= held)
                    {
                        alreadyThere++;
                        continue;
                    }

                    batch.Add(value, decoded.Step, decoded.WallTime);
                    if (batch.Count >= batchPoints)
                    {
                        sent += await SendAsync(call, batch, index, cancellationToken).ConfigureAwait(false);
                    }
                }

                progress(reader.Position);
            }

            if (batch.Count > 0)
            {
                sent += await SendAsync(call, batch, index, cancellationToken).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            await acks.ConfigureAwait(false);
            string? error = acked >= index ? null : string.Create(CultureInfo.InvariantCulture, $"the service acknowledged {acked} of {index} points");
            return (new UploadResult(this, sent, alreadyThere, skipped, reader.Errors.Count, error), null);
        }
        catch (RpcException ex)
        {
            return (new UploadResult(this, sent, alreadyThere, skipped, 0, $"{ex.StatusCode}: {ex.Status.Detail}"), ex.StatusCode);
        }
    }

    private static async Task<long> SendAsync(AsyncDuplexStreamingCall<IngestRequest, IngestResponse> call, UploadBatch batch, ulong sequence, CancellationToken cancellationToken)
    {
        int count = batch.Count;
        await call.RequestStream.WriteAsync(new IngestRequest { Batch = batch.Take(sequence) }, cancellationToken).ConfigureAwait(false);
        return count;
    }
}
