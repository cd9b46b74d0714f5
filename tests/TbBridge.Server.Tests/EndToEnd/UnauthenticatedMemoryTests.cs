using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>Nothing big is read before the caller is known: keyless calls with 16 MiB messages cost the service little.</summary>
public sealed class UnauthenticatedMemoryTests : IDisposable
{
    private const int Calls = 40;
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_FortyKeylessCallsEachSending16MiB_AreRefusedWithoutTheServiceReadingThem()
    {
        const string key = "memory-key-0123456789abcdef";
        using var server = await ChildProcessServer.StartAsync(
            _data.Path, ChildProcessServer.FreePort(), settings: ["--TbBridge:Anonymous=None", "--TbBridge:ApiKeys:0:Name=team", $"--TbBridge:ApiKeys:0:Key={key}", "--TbBridge:ApiKeys:0:Write:0=*"]);
        using var channel = GrpcChannel.ForAddress(server.Address);
        await using var bystander = await IngestStream.OpenAsync(channel, "p", "bystander", "w", "bystander", key);
        await bystander.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await bystander.WaitAckAsync(1));
        long before = server.PeakResidentBytes();

        // One client per connection, as 40 hostile callers would be; each 'open' is just under the 16 MiB limit.
        var huge = new IngestRequest { Open = new OpenStream { Project = "p", Run = "r", Worker = "w", StreamId = "s", Host = new string('h', (16 * 1024 * 1024) - 64) } }.ToByteArray();
        var statuses = await Task.WhenAll(Enumerable.Range(0, Calls).Select(async _ =>
        {
            using var own = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxSendMessageSize = null });
            using var call = new RawIngestCall(own);
            try
            {
                await call.SendAsync(huge);
            }
            catch (RpcException)
            {
                // The service refused while the message was still going out: the status is on the response stream.
            }

            return await call.WaitForEndAsync();
        }));
        long after = server.PeakResidentBytes();

        Assert.All(statuses, s => Assert.Equal(StatusCode.Unauthenticated, s?.StatusCode));
        Assert.All(statuses, s => Assert.Equal("An API key is required: send 'authorization: Bearer <key>'.", s!.Status.Detail));
        Assert.False(server.HasExited);
        // Before the caller was known first, these 40 messages were parsed whole: 75 MB became 1.8 GB. Kestrel's
        // HTTP/2 windows still let each call send some hundreds of KiB before the refusal.
        Assert.True(after - before < 256L * 1024 * 1024, $"peak resident memory grew from {before / (1024 * 1024)} MiB to {after / (1024 * 1024)} MiB");

        await bystander.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await bystander.WaitAckAsync(2));
        await bystander.CompleteAsync();
        Assert.Null(bystander.Failure);
        Assert.Equal(200, EventFiles.Scalars(_data.Path, "p", "bystander").Count);
    }
}
