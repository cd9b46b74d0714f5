using Grpc.Core;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>Bad callers and bad input are refused with a precise status while a good stream beside them goes on.</summary>
public sealed class RefusalTests : IDisposable
{
    private const string GoodKey = "good-key-0123456789abcdef";
    private const string OtherProjectKey = "other-key-0123456789abcdef";
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_BadKeyHostileNamesAndOversizeMessage_AreRefusedWhileAGoodStreamContinues()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            "--TbBridge:Anonymous=None",
            "--TbBridge:MaxReceiveMessageBytes=65536",
            "--TbBridge:ApiKeys:0:Name=trainer",
            $"--TbBridge:ApiKeys:0:Key={GoodKey}",
            "--TbBridge:ApiKeys:0:Write:0=vision",
            "--TbBridge:ApiKeys:1:Name=other",
            $"--TbBridge:ApiKeys:1:Key={OtherProjectKey}",
            "--TbBridge:ApiKeys:1:Write:0=other");

        await using var good = await IngestStream.OpenAsync(server.Channel, "vision", "good-run", "rank0", "good", GoodKey);
        ulong sequence = 0;
        async Task SendGoodAsync()
        {
            sequence++;
            await good.SendAsync(Batches.Numbered(sequence, 200));
        }

        await SendGoodAsync();

        var noKey = await RefusedAsync(() => IngestStream.OpenAsync(server.Channel, "vision", "r", "w", "a"));
        Assert.Equal(StatusCode.Unauthenticated, noKey.StatusCode);
        await SendGoodAsync();

        var badKey = await RefusedAsync(() => IngestStream.OpenAsync(server.Channel, "vision", "r", "w", "b", "not-a-key-at-all-000000"));
        Assert.Equal(StatusCode.Unauthenticated, badKey.StatusCode);
        Assert.Equal("The API key is not valid.", badKey.Status.Detail);
        await SendGoodAsync();

        var wrongProject = await RefusedAsync(() => IngestStream.OpenAsync(server.Channel, "vision", "r", "w", "c", OtherProjectKey));
        Assert.Equal(StatusCode.PermissionDenied, wrongProject.StatusCode);
        Assert.Contains("'other' may not write project 'vision'", wrongProject.Status.Detail, StringComparison.Ordinal);
        await SendGoodAsync();

        foreach (var (project, run, worker) in new[]
        {
            ("vision", "../..", "w"),
            ("vision", "../../etc", "w"),
            ("vision", "/etc/passwd", "w"),
            ("vision", "a/../../b", "w"),
            ("vision", "a//b", "w"),
            ("vision", "run\u0001x", "w"),
            ("vision", "back\\slash", "w"),
            ("vision", new string('r', 300), "w"),
            ("vision", "r", "../w"),
            ("..", "r", "w"),
        })
        {
            var hostile = await RefusedAsync(() => IngestStream.OpenAsync(server.Channel, project, run, worker, "h", GoodKey));
            Assert.Equal(StatusCode.InvalidArgument, hostile.StatusCode);
            await SendGoodAsync();
        }

        Assert.Equal(["vision"], Directory.GetDirectories(_data.Path).Select(Path.GetFileName));
        Assert.Equal(["good-run"], Directory.GetDirectories(Path.Combine(_data.Path, "vision")).Select(Path.GetFileName));

        await using (var oversize = await IngestStream.OpenAsync(server.Channel, "vision", "big-run", "rank0", "big", GoodKey))
        {
            await oversize.SendAsync(Batches.Numbered(1, 10)); // accepted
            Assert.True(await oversize.WaitAckAsync(1));
            var tooBig = await SendUntilRefusedAsync(oversize, Batches.Numbered(2, 20_000)); // about 400 KB, over the 64 KiB limit
            Assert.NotNull(tooBig);
            Assert.Equal(StatusCode.ResourceExhausted, tooBig.StatusCode);
        }

        Assert.Equal(10, EventFiles.Scalars(_data.Path, "vision", "big-run").Count); // what was acked stays

        await using (var badBatch = await IngestStream.OpenAsync(server.Channel, "vision", "bad-batch", "rank0", "bb", GoodKey))
        {
            var batch = Batches.Numbered(1, 10);
            batch.Scalars.TagIndex[3] = 99;
            var invalid = await SendUntilRefusedAsync(badBatch, batch);
            Assert.Equal(StatusCode.InvalidArgument, invalid!.StatusCode);
            Assert.Equal("scalars.tag_index[3] is 99 but the batch has 4 tags.", invalid.Status.Detail);
        }

        await SendGoodAsync();
        Assert.True(await good.WaitAckAsync(sequence));
        await good.CompleteAsync();
        Assert.Null(good.Failure);
        var scalars = EventFiles.Scalars(_data.Path, "vision", "good-run");
        Assert.Equal((int)sequence * 200, scalars.Count);
        Assert.Equal(scalars.Count, scalars.Select(s => s.Step).Distinct().Count());
    }

    [Fact]
    public async Task Ingest_OverTheClientRateLimit_IsRefusedWithResourceExhausted()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path, "--TbBridge:MaxPointsPerSecondPerClient=1000");
        await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "r", "w", "s");
        await stream.SendAsync(Batches.Numbered(1, 5000)); // takes the bucket far below zero
        var refused = await SendUntilRefusedAsync(stream, Batches.Numbered(2, 10));
        Assert.Equal(StatusCode.ResourceExhausted, refused!.StatusCode);
        Assert.StartsWith("Rate limit:", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1UL, stream.Acked);
    }

    [Fact]
    public async Task Ingest_CallThatNeverSendsOpen_EndsWithDeadlineExceededWhileAGoodStreamContinues()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path, "--TbBridge:OpenTimeout=00:00:00.5");
        await using var good = await IngestStream.OpenAsync(server.Channel, "p", "good", "w", "good");
        await good.SendAsync(Batches.Numbered(1, 100));

        // What the service sees when HttpClient retries a request on a new connection after its body went to
        // the old one: headers, then nothing.
        using var silent = new IngestService.IngestServiceClient(server.Channel).Ingest();
        var ended = await Assert.ThrowsAsync<RpcException>(() => silent.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.Equal("No 'open' message arrived within 0.5 s of the call's start; open the stream again.", ended.Status.Detail);

        await good.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await good.WaitAckAsync(2));
        Assert.Equal(200, EventFiles.Scalars(_data.Path, "p", "good").Count);
    }

    [Fact]
    public async Task Watch_ProjectTheKeyCannotRead_IsPermissionDenied()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            "--TbBridge:Anonymous=None",
            $"--TbBridge:ApiKeys:0:Key={GoodKey}",
            "--TbBridge:ApiKeys:0:Name=reader",
            "--TbBridge:ApiKeys:0:Read:0=vision");
        var client = new AlertService.AlertServiceClient(server.Channel);
        var headers = new Metadata { { "authorization", "Bearer " + GoodKey } };
        using var watch = client.Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = "secret" } }, headers);
        var denied = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        var ingest = await RefusedAsync(() => IngestStream.OpenAsync(server.Channel, "vision", "r", "w", "s", GoodKey));
        Assert.Equal(StatusCode.PermissionDenied, ingest.StatusCode); // read access does not grant write

        Assert.Empty((await client.ListAsync(new ListAlertsRequest(), headers)).Alerts);
    }

    /// <summary>Sends a batch the server must refuse; the status comes back on the send or on the response stream.</summary>
    private static async Task<RpcException?> SendUntilRefusedAsync(IngestStream stream, PointBatch batch)
    {
        try
        {
            await stream.SendAsync(batch);
        }
        catch (RpcException)
        {
            // The call already ended; its status is the one the response stream reports.
        }

        return await stream.WaitForEndAsync();
    }

    private static async Task<RpcException> RefusedAsync(Func<Task<IngestStream>> open)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await (await open()).DisposeAsync());
        return error;
    }
}
