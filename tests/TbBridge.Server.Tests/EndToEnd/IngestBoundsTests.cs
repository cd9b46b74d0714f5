using Grpc.Core;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>What bounds a caller: the idle timeout, the open-call limits, a refusal decided from the headers alone, small requests elsewhere.</summary>
public sealed class IngestBoundsTests : IDisposable
{
    private const string Key = "bounds-key-0123456789abcdef";
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_SilentAfterOpen_EndsWithDeadlineExceededAndTheSessionClosesNormally()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path, "--TbBridge:IdleTimeout=00:00:01");
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander");
        await bystander.SendAsync(Batches.Numbered(1, 50));
        Assert.True(await bystander.WaitAckAsync(1));

        // A first call writes and ends cleanly; its stream id is then opened again and nothing more is sent.
        await using (var earlier = await IngestStream.OpenAsync(server.Channel, "p", "idle", "w", "idle"))
        {
            await earlier.SendAsync(Batches.Numbered(1, 50));
            Assert.True(await earlier.WaitAckAsync(1));
            await earlier.CompleteAsync();
        }

        await using var idle = await IngestStream.OpenAsync(server.Channel, "p", "idle", "w", "idle");
        Assert.Equal(1UL, idle.Opened.LastSequence);
        var failure = await idle.WaitForEndAsync();

        Assert.NotNull(failure);
        Assert.Equal(StatusCode.DeadlineExceeded, failure.StatusCode);
        Assert.Equal("No message for 1 s after 'open'; reconnect and resume.", failure.Status.Detail);
        Assert.Equal(50, EventFiles.Scalars(_data.Path, "p", "idle").Count);
        await using (var resumed = await IngestStream.OpenAsync(server.Channel, "p", "idle", "w", "idle")) // closed, so not live elsewhere
        {
            Assert.Equal(1UL, resumed.Opened.LastSequence);
            await resumed.SendAsync(Batches.Numbered(2, 50));
            Assert.True(await resumed.WaitAckAsync(2));
            await resumed.CompleteAsync();
        }

        Assert.Equal(100, EventFiles.Scalars(_data.Path, "p", "idle").Count);

        // The bystander sent its first batch long ago (well past the idle timeout) and is still served: only the
        // wait for a first batch is bounded, a quiet stream that has sent is the liveness monitor's.
        await bystander.SendAsync(Batches.Numbered(2, 50));
        Assert.True(await bystander.WaitAckAsync(2));
        await bystander.CompleteAsync();
        Assert.Null(bystander.Failure);
        Assert.Equal(100, EventFiles.Scalars(_data.Path, "p", "bystander").Count);
    }

    [Fact]
    public async Task Ingest_OverTheOpenCallLimitPerKey_IsResourceExhaustedUntilOneEnds()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path, "--TbBridge:Anonymous=None", "--TbBridge:MaxStreamsPerKey=2", "--TbBridge:ApiKeys:0:Name=team", $"--TbBridge:ApiKeys:0:Key={Key}", "--TbBridge:ApiKeys:0:Write:0=*");
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander", Key);
        await bystander.SendAsync(Batches.Numbered(1, 100));
        var second = await IngestStream.OpenAsync(server.Channel, "p", "second", "w", "second", Key);
        await second.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await second.WaitAckAsync(1));

        var refused = await RefusedAsync(() => IngestStream.OpenAsync(server.Channel, "p", "third", "w", "third", Key));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("'team' already has 2 ingest calls open, the most one API key may hold (TbBridge:MaxStreamsPerKey); end one, or retry after a backoff.", refused.Status.Detail);
        Assert.False(Directory.Exists(Path.Combine(_data.Path, "p", "third")));

        await second.CompleteAsync(); // the call ends: its place is free again
        await second.DisposeAsync();
        await using (var third = await IngestStream.OpenAsync(server.Channel, "p", "third", "w", "third", Key))
        {
            await third.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await third.WaitAckAsync(1));
            await third.CompleteAsync();
        }

        await bystander.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await bystander.WaitAckAsync(2));
        await bystander.CompleteAsync();
        Assert.Null(bystander.Failure);
        Assert.Equal(200, EventFiles.Scalars(_data.Path, "p", "bystander").Count);
        Assert.Equal(100, EventFiles.Scalars(_data.Path, "p", "second").Count);
    }

    [Fact]
    public async Task Ingest_OverTheOpenCallLimitPerAnonymousAddress_IsResourceExhausted()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path, "--TbBridge:MaxStreamsPerAnonymousAddress=1");
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander");
        await bystander.SendAsync(Batches.Numbered(1, 100));

        var refused = await RefusedAsync(() => IngestStream.OpenAsync(server.Channel, "p", "second", "w", "second"));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("'anonymous@127.0.0.1' already has 1 ingest calls open, the most one anonymous address may hold (TbBridge:MaxStreamsPerAnonymousAddress); end one, or retry after a backoff.", refused.Status.Detail);
        await bystander.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await bystander.WaitAckAsync(2));
        await bystander.CompleteAsync();
        Assert.Null(bystander.Failure);
        Assert.Equal(200, EventFiles.Scalars(_data.Path, "p", "bystander").Count);
    }

    [Theory]
    [InlineData(null, "An API key is required: send 'authorization: Bearer <key>'.")]
    [InlineData("not-a-key-at-all-000000", "The API key is not valid.")]
    public async Task Ingest_RefusedCallerWhoseOpenIsInFlight_SeesUnauthenticatedWithItsReason(string? key, string detail)
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path, "--TbBridge:Anonymous=None", "--TbBridge:ApiKeys:0:Name=team", $"--TbBridge:ApiKeys:0:Key={Key}", "--TbBridge:ApiKeys:0:Write:0=*");
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander", Key);
        await bystander.SendAsync(Batches.Numbered(1, 100));

        // A real client writes 'open' as the call starts; a few times over, since a bare Cancelled would come from a race.
        for (int i = 0; i < 20; i++)
        {
            var refused = await RefusedAsync(() => IngestStream.OpenAsync(server.Channel, "p", "r", "w", "s" + i, key));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.Equal(detail, refused.Status.Detail);
        }

        await bystander.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await bystander.WaitAckAsync(2));
        await bystander.CompleteAsync();
        Assert.Equal(200, EventFiles.Scalars(_data.Path, "p", "bystander").Count);
        Assert.Equal(["bystander"], Directory.GetDirectories(Path.Combine(_data.Path, "p")).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("Forwarded", "for=203.0.113.7;proto=http")]
    public async Task Ingest_ForwardedByAProxyOnLoopback_IsNotALoopbackCallerAndNeedsAKey(string header, string value)
    {
        await using var server = await InProcessServer.StartAsync(_data.Path, "--TbBridge:ApiKeys:0:Name=team", $"--TbBridge:ApiKeys:0:Key={Key}", "--TbBridge:ApiKeys:0:Write:0=*");
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander"); // loopback, no key: still let in
        await bystander.SendAsync(Batches.Numbered(1, 100));

        using (var forwarded = new RawIngestCall(server.Channel, new Metadata { { header, value } }))
        {
            await forwarded.SendAsync(Batches.Open("p", "proxied", "w", "proxied"));
            var refused = await forwarded.WaitForEndAsync();
            Assert.NotNull(refused);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.Equal("An API key is required: the call was forwarded by a proxy, so it is not a loopback caller; send 'authorization: Bearer <key>'.", refused.Status.Detail);
        }

        using (var keyed = new RawIngestCall(server.Channel, new Metadata { { header, value }, { "authorization", "Bearer " + Key } }))
        {
            await keyed.SendAsync(Batches.Open("p", "proxied", "w", "proxied"));
            Assert.Equal(IngestResponse.KindOneofCase.Opened, (await keyed.ReadAsync())!.KindCase);
        }

        await bystander.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await bystander.WaitAckAsync(2));
        await bystander.CompleteAsync();
        Assert.Null(bystander.Failure);
    }

    [Fact]
    public async Task List_RequestOver64KiB_IsResourceExhaustedWhileIngestKeepsItsOwnLimit()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var bystander = await IngestStream.OpenAsync(server.Channel, "p", "bystander", "w", "bystander");
        await bystander.SendAsync(Batches.Numbered(1, 20_000)); // about 400 KB: an ingest message may be large

        var alerts = new AlertService.AlertServiceClient(server.Channel);
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await alerts.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p", Kinds = { Enumerable.Repeat(new string('k', 1000), 70) } } }));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Empty((await alerts.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p" } })).Alerts);
        Assert.True(await bystander.WaitAckAsync(1));
        await bystander.CompleteAsync();
        Assert.Null(bystander.Failure);
        Assert.Equal(20_000, EventFiles.Scalars(_data.Path, "p", "bystander").Count);
    }

    private static async Task<RpcException> RefusedAsync(Func<Task<IngestStream>> open) =>
        await Assert.ThrowsAsync<RpcException>(async () => await (await open()).DisposeAsync());
}
