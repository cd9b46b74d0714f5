using Grpc.Core;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>Bytes that are not an IngestRequest, and names the rules refuse, end only their own call with INVALID_ARGUMENT.</summary>
public sealed class MalformedMessageTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_GarbageAsTheFirstMessage_IsInvalidArgumentWhileABystanderContinues()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander");
        await bystander.SendAsync(Batches.Numbered(1, 100));

        using var raw = new RawIngestCall(server.Channel);
        await raw.SendAsync(RawIngestCall.Garbage);
        var ended = await raw.WaitForEndAsync();

        Assert.NotNull(ended);
        Assert.Equal(StatusCode.InvalidArgument, ended.StatusCode);
        Assert.StartsWith("A message is not an IngestRequest (", ended.Status.Detail, StringComparison.Ordinal);
        await AssertBystanderGoesOnAsync(bystander);
    }

    [Fact]
    public async Task Ingest_GarbageAfterOpen_IsInvalidArgumentNotCancelledAndTheAckedBatchStays()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander");
        await bystander.SendAsync(Batches.Numbered(1, 100));

        using (var raw = new RawIngestCall(server.Channel))
        {
            await raw.SendAsync(Batches.Open("p", "garbled", "w", "garbled"));
            Assert.Equal(IngestResponse.KindOneofCase.Opened, (await raw.ReadAsync())!.KindCase);
            await raw.SendAsync(Batches.Request(Batches.Numbered(1, 50)));
            IngestResponse? ack;
            do
            {
                ack = await raw.ReadAsync();
            }
            while (ack is not null && ack.Ack?.Sequence != 1);

            Assert.NotNull(ack); // batch 1 acked before the garbage goes out

            await raw.SendAsync(RawIngestCall.Garbage);
            var ended = await raw.WaitForEndAsync();

            Assert.NotNull(ended);
            Assert.Equal(StatusCode.InvalidArgument, ended.StatusCode);
            Assert.StartsWith("A message is not an IngestRequest (", ended.Status.Detail, StringComparison.Ordinal);
            Assert.EndsWith("); the call ends, what was acknowledged stays.", ended.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(50, EventFiles.Scalars(_data.Path, "p", "garbled").Count);
        await using var resumed = await IngestStream.OpenAsync(server.Channel, "p", "garbled", "w", "garbled");
        Assert.Equal(1UL, resumed.Opened.LastSequence);
        await AssertBystanderGoesOnAsync(bystander);
    }

    [Theory]
    [InlineData("tbbridge.db", "r", "w", "project 'tbbridge.db' is not allowed: it is the name of one of the service's own files in the data directory.")]
    [InlineData("TBBRIDGE.DB-wal", "r", "w", "project 'TBBRIDGE.DB-wal' is not allowed: it is the name of one of the service's own files in the data directory.")]
    [InlineData("p", "runs/nul.txt", "w", "run 'runs/nul.txt' is not allowed: run segment 'nul.txt' is a reserved device name on Windows.")]
    [InlineData("p", "r", "COM1", "worker 'COM1' is a reserved device name on Windows.")]
    [InlineData("p", "r.", "w", "run 'r.' is not allowed: run segment 'r.' cannot end with '.'.")]
    [InlineData(".hidden", "r", "w", "project '.hidden' cannot start with '.'.")]
    public async Task Ingest_NamesTheRulesRefuse_AreInvalidArgumentAndCreateNothing(string project, string run, string worker, string detail)
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander");
        await bystander.SendAsync(Batches.Numbered(1, 100));

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await (await IngestStream.OpenAsync(server.Channel, project, run, worker, "named")).DisposeAsync());

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(detail, refused.Status.Detail);
        await AssertBystanderGoesOnAsync(bystander);
        Assert.Equal(["p"], Directory.GetDirectories(_data.Path).Select(Path.GetFileName));
        Assert.Equal(["bystander"], Directory.GetDirectories(Path.Combine(_data.Path, "p")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Ingest_TagUnderTheReservedPrefix_IsInvalidArgumentAndNothingOfTheBatchIsWritten()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander");
        await bystander.SendAsync(Batches.Numbered(1, 100));

        await using var writer = await IngestStream.OpenAsync(server.Channel, "p", "forger", "w", "forger");
        await writer.SendAsync(Batches.Numbered(1, 10));
        Assert.True(await writer.WaitAckAsync(1));
        await writer.SendAsync(Batches.Scalars(2, ["train/loss", "tbbridge/alerts"], [(0, 100, 1.0, 1.0), (1, 100, 2.0, 1.0)]));
        var refused = await writer.WaitForEndAsync();

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("tags[1]: tag 'tbbridge/alerts' is under 'tbbridge/', which the service reserves for its own tags.", refused.Status.Detail);
        Assert.Equal(1UL, writer.Acked);
        var scalars = EventFiles.Scalars(_data.Path, "p", "forger");
        Assert.Equal(10, scalars.Count);
        Assert.DoesNotContain(scalars, s => s.Tag.StartsWith("tbbridge/", StringComparison.Ordinal));
        await AssertBystanderGoesOnAsync(bystander);
    }

    private async Task AssertBystanderGoesOnAsync(IngestStream bystander)
    {
        await bystander.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await bystander.WaitAckAsync(2));
        Assert.Null(bystander.Failure);
        Assert.Equal(200, EventFiles.Scalars(_data.Path, "p", "bystander").Count);
    }
}
