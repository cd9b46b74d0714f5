using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The service under a low descriptor limit for real (ulimit -n): streams are opened until one cannot get a
/// descriptor; that one is answered RESOURCE_EXHAUSTED, the process stays up, streams opened before keep getting
/// their acks, a connection that cannot be accepted meanwhile does not stop the listener, and once descriptors are
/// free again new streams, on new connections too, are served.
/// </summary>
public sealed class DescriptorExhaustionTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_OutOfDescriptors_NewStreamIsResourceExhaustedAndTheProcessAndEarlierStreamsGoOn()
    {
        int limit = await BaselineDescriptorsAsync() + 48;
        using var server = await ChildProcessServer.StartAsync(_data.Path, ChildProcessServer.FreePort(), maxOpenFiles: limit);
        using var channel = GrpcChannel.ForAddress(server.Address);
        await using var first = await IngestStream.OpenAsync(channel, "p", "first", "w", "first");
        await first.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await first.WaitAckAsync(1));

        var opened = new List<IngestStream>();
        try
        {
            var refused = await OpenUntilRefusedAsync(channel, limit, opened);
            Assert.NotNull(refused);
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("descriptors", refused.Status.Detail, StringComparison.Ordinal);
            Assert.False(server.HasExited);

            await first.SendAsync(Batches.Numbered(2, 100));
            Assert.True(await first.WaitAckAsync(2));

            // A new connection now cannot even be accepted (accept(2) fails with EMFILE): it may time out or fail,
            // but the listener must survive it, which the fresh connection below shows.
            using var meanwhile = GrpcChannel.ForAddress(server.Address);
            try
            {
                await new Grpc.Health.V1.Health.HealthClient(meanwhile).CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
            }
            catch (RpcException)
            {
            }

            Assert.False(server.HasExited);
        }
        finally
        {
            foreach (var stream in opened)
            {
                await stream.CompleteAsync();
                await stream.DisposeAsync();
            }
        }

        // Descriptors back: a new stream on a new connection is served.
        using var fresh = GrpcChannel.ForAddress(server.Address);
        await using (var again = await IngestStream.OpenAsync(fresh, "p", "again", "w", "again"))
        {
            await again.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await again.WaitAckAsync(1));
            await again.CompleteAsync();
        }

        await first.SendAsync(Batches.Numbered(3, 100));
        Assert.True(await first.WaitAckAsync(3));
        await first.CompleteAsync();
        Assert.Null(first.Failure);
        Assert.False(server.HasExited);
        Assert.Equal(300, EventFiles.Scalars(_data.Path, "p", "first").Count);
        foreach (var stream in opened)
        {
            Assert.Null(stream.Failure);
        }
    }

    /// <summary>
    /// The runtime needs descriptors to start a thread (a pipe on Linux) and aborts the process when it cannot get
    /// them; ending many streams at once grows the thread pool. The service keeps a reserve free, so this survives.
    /// </summary>
    [Fact]
    public async Task Ingest_OutOfDescriptorsThenEveryStreamEndsAtOnce_TheProcessStaysUpAndNothingIsLost()
    {
        int limit = await BaselineDescriptorsAsync() + 48;
        using var server = await ChildProcessServer.StartAsync(_data.Path, ChildProcessServer.FreePort(), maxOpenFiles: limit);
        using var channel = GrpcChannel.ForAddress(server.Address);
        var opened = new List<IngestStream>();
        var refused = await OpenUntilRefusedAsync(channel, limit, opened);
        Assert.Equal(StatusCode.ResourceExhausted, refused?.StatusCode);
        Assert.NotEmpty(opened);

        await Task.WhenAll(opened.Select(async stream =>
        {
            await stream.CompleteAsync();
            await stream.DisposeAsync();
        }));

        // Still up (it aborted with "Out of memory." here before the reserve), and serving.
        using var fresh = GrpcChannel.ForAddress(server.Address);
        await using (var again = await IngestStream.OpenAsync(fresh, "p", "again", "w", "again"))
        {
            await again.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await again.WaitAckAsync(1));
            await again.CompleteAsync();
        }

        Assert.False(server.HasExited, server.Errors);
        Assert.All(opened, stream => Assert.Null(stream.Failure));
        for (int i = 0; i < opened.Count; i++)
        {
            Assert.Equal(10, EventFiles.Scalars(_data.Path, "p", "run-s" + i).Count);
        }
    }

    /// <summary>Opens streams s0, s1, … (one batch each) into <paramref name="opened"/> until one is refused; that refusal.</summary>
    private static async Task<RpcException?> OpenUntilRefusedAsync(GrpcChannel channel, int limit, List<IngestStream> opened)
    {
        RpcException? refused = null;
        for (int i = 0; i < 2 * limit && refused is null; i++)
        {
            refused = await OpenAndWriteAsync(channel, "s" + i, opened);
        }

        return refused;
    }

    /// <summary>Opens a stream and writes one batch; the refusal if it was refused at either step.</summary>
    private static async Task<RpcException?> OpenAndWriteAsync(GrpcChannel channel, string streamId, List<IngestStream> opened)
    {
        IngestStream stream;
        try
        {
            stream = await IngestStream.OpenAsync(channel, "p", "run-" + streamId, "w", streamId);
        }
        catch (RpcException ex)
        {
            return ex;
        }

        await stream.SendAsync(Batches.Numbered(1, 10));
        if (await stream.WaitAckAsync(1))
        {
            opened.Add(stream);
            return null;
        }

        var failure = stream.Failure;
        await stream.DisposeAsync();
        return failure;
    }

    /// <summary>The descriptors an idle service holds with one connection and stream, measured on this box.</summary>
    private async Task<int> BaselineDescriptorsAsync()
    {
        using var folder = new TempFolder();
        using var server = await ChildProcessServer.StartAsync(folder.Path, ChildProcessServer.FreePort());
        using var channel = GrpcChannel.ForAddress(server.Address);
        await using var stream = await IngestStream.OpenAsync(channel, "p", "r", "w", "s");
        await stream.SendAsync(Batches.Numbered(1, 10));
        Assert.True(await stream.WaitAckAsync(1));
        return server.OpenDescriptors();
    }
}
