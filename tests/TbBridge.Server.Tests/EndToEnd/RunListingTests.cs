using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary><c>GetRun</c> and <c>ListRuns</c> answer within what a default client takes, however many tags or runs there are.</summary>
public sealed class RunListingTests : IDisposable
{
    private const int DefaultClientLimit = 4 * 1024 * 1024;
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task GetRun_TenThousandTagsOfAThousandCharacters_AnswersADefaultClientUnderFourMiB()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        const int Tags = 10_000, TagsPerBatch = 500;
        string Tag(int i) => "custom/" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture) + new string('x', 1_000 - 12);
        await using (var stream = await IngestStream.OpenAsync(server.Channel, "p", "wide", "rank0", "wide"))
        {
            for (int b = 0; b < Tags / TagsPerBatch; b++)
            {
                var tags = Enumerable.Range(b * TagsPerBatch, TagsPerBatch).Select(Tag).ToArray();
                await stream.SendAsync(Batches.Scalars((ulong)b + 1, tags, Enumerable.Range(0, TagsPerBatch).Select(i => (i, (long)b, 1.0, 1_700_000_000.0 + b))));
            }

            Assert.True(await stream.WaitAckAsync(Tags / TagsPerBatch));
            await stream.CompleteAsync();
        }

        // A client with gRPC's default limits (4 MiB received), as the README's and a Python worker's are.
        using var channel = GrpcChannel.ForAddress(server.Address);
        var run = await new AlertService.AlertServiceClient(channel).GetRunAsync(new GetRunRequest { Project = "p", Run = "wide" });

        Assert.True(run.CalculateSize() < DefaultClientLimit, $"{run.CalculateSize()} bytes");
        Assert.All(run.Tags, t => Assert.Equal(1_000, t.Length));
        Assert.Equal(run.Tags.Count, run.Tags.Distinct().Count());
        Assert.True(run.TagsOmitted > 0);
        Assert.Equal(Tags, run.Tags.Count + run.TagsOmitted);
        Assert.Equal(Enumerable.Range(0, run.Tags.Count).Select(Tag), run.Tags); // the first ones, in name order
        Assert.Equal(Tags, run.Points);
    }

    [Fact]
    public async Task ListRuns_250RunsByPages_ListsEachRunOnceInOrder()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var names = Enumerable.Range(0, 250).Select(i => "run-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, _) =>
        {
            await using var stream = await IngestStream.OpenAsync(server.Channel, "p", name, "rank0", "s-" + name);
            await stream.SendAsync(Batches.Numbered(1, 4));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.CompleteAsync();
        });

        var client = new AlertService.AlertServiceClient(server.Channel);
        var pages = new List<ListRunsResponse>();
        string token = "";
        do
        {
            var page = await client.ListRunsAsync(new ListRunsRequest { Project = "p", PageToken = token }); // page_size 0: the default, 100
            pages.Add(page);
            token = page.NextPageToken;
        }
        while (token.Length > 0 && pages.Count < 10);

        Assert.Equal([100, 100, 50], pages.Select(p => p.Runs.Count));
        var listed = pages.SelectMany(p => p.Runs).Select(r => r.Run).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), listed);

        var bySize = await client.ListRunsAsync(new ListRunsRequest { Project = "p", PageSize = 1000 });
        Assert.Equal(250, bySize.Runs.Count);
        Assert.Empty(bySize.NextPageToken);

        var tooBig = await Assert.ThrowsAsync<RpcException>(() => client.ListRunsAsync(new ListRunsRequest { PageSize = 1001 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, tooBig.StatusCode);
        var forged = await Assert.ThrowsAsync<RpcException>(() => client.ListRunsAsync(new ListRunsRequest { PageToken = "not a token" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, forged.StatusCode);
    }
}
