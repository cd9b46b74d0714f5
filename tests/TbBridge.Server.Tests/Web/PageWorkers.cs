using Grpc.Net.Client;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.Web;

/// <summary>Workers for the page's tests: a real gRPC ingest stream that logs a loss curve, and a NaN where asked.</summary>
internal static class PageWorkers
{
    /// <summary>Sends <c>loss</c> (and <c>lr</c>) for steps [from, to) in one batch; a step in <paramref name="nanAt"/> carries NaN.</summary>
    public static async Task SendLossAsync(IngestStream stream, ulong sequence, long from, long to, long? nanAt = null, string lossTag = "loss")
    {
        var points = new List<(int, long, double, double)>();
        for (long step = from; step < to; step++)
        {
            double loss = step == nanAt ? double.NaN : 2.0 * Math.Exp(-step / 40.0) + 0.1 + (0.02 * Math.Sin(step));
            points.Add((0, step, loss, 1_700_000_000 + step));
            points.Add((1, step, 0.1 * Math.Pow(0.99, step), 1_700_000_000 + step));
        }

        await stream.SendAsync(Batches.Scalars(sequence, [lossTag, "lr"], points));
        Assert.True(await stream.WaitAckAsync(sequence, TimeSpan.FromSeconds(30)), "the batch was not acked");
    }

    public static Task<IngestStream> OpenAsync(GrpcChannel channel, string project, string run, string worker, string? key = null) =>
        IngestStream.OpenAsync(channel, project, run, worker, worker + "-" + Guid.NewGuid().ToString("N")[..8], key);
}
