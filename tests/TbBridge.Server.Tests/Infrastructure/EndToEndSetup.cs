using Grpc.Net.Client;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>The set-up the end-to-end tests share: a training log on disk, a stream with acked batches.</summary>
internal static class EndToEndSetup
{
    /// <summary>
    /// A run's log as a training job leaves it: <paramref name="steps"/> points of <c>train/loss</c> (3 / (1 + step)) written
    /// with TbBridge's own SummaryWriter into <paramref name="runDirectory"/>, disposed, so the file is complete.
    /// </summary>
    public static async Task WriteLossRunAsync(string runDirectory, int steps)
    {
        await using var writer = new SummaryWriter(runDirectory);
        for (int step = 0; step < steps; step++)
        {
            writer.AddScalar("train/loss", 3.0 / (1 + step), step);
        }
    }

    /// <summary>Opens a stream and sends batches 1 to <paramref name="batches"/> of 100 points each; returns once the last is acked.</summary>
    public static async Task<IngestStream> OpenAckedAsync(GrpcChannel channel, string project, string run, string worker, string streamId, int batches = 1)
    {
        var stream = await IngestStream.OpenAsync(channel, project, run, worker, streamId);
        for (ulong sequence = 1; sequence <= (ulong)batches; sequence++)
        {
            await stream.SendAsync(Batches.Numbered(sequence, 100));
        }

        Assert.True(await stream.WaitAckAsync((ulong)batches), $"batch {batches} of stream {streamId} was not acked");
        return stream;
    }
}
