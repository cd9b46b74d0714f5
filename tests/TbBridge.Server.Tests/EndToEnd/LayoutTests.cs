using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TbBridge.Analysis;
using TbBridge.Events;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The data directory as TensorBoard's readers follow it: one TensorBoard run per worker, no empty files, and every
/// alert of a run in the text entry TensorBoard always keeps (the newest).
/// </summary>
public sealed class LayoutTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_TwoWorkersOfOneRunAtOnce_EachIsItsOwnTensorBoardRunWithOneFile()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var rank0 = await IngestStream.OpenAsync(server.Channel, "p", "ddp", "rank0", "s-rank0");
        await using var rank1 = await IngestStream.OpenAsync(server.Channel, "p", "ddp", "rank1", "s-rank1");
        for (ulong seq = 1; seq <= 10; seq++)
        {
            await rank0.SendAsync(Batches.Numbered(seq, 300, tagCount: 1)); // the same tags and steps on both workers
            await rank1.SendAsync(Batches.Numbered(seq, 300, tagCount: 1));
        }

        Assert.True(await rank0.WaitAckAsync(10));
        Assert.True(await rank1.WaitAckAsync(10));

        // While both stream: each worker's directory has one file with all of its points, readable to its end.
        var runs = LogDirectory.DiscoverRuns(_data.Path).Select(r => r.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["p/ddp/rank0", "p/ddp/rank1"], runs);
        foreach (string worker in new[] { "rank0", "rank1" })
        {
            var steps = EventFiles.Scalars(_data.Path, "p", "ddp/" + worker).Select(s => s.Step).ToArray();
            Assert.Equal(Enumerable.Range(0, 3000).Select(i => (long)i), steps);
            Assert.Single(EventFiles.Files(_data.Path, "p", "ddp/" + worker));
        }

        await rank0.CompleteAsync();
        await rank1.CompleteAsync();
    }

    [Fact]
    public async Task Ingest_ConnectionsThatWriteNothing_LeaveNoFile()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        for (int i = 0; i < 3; i++)
        {
            await using var idle = await IngestStream.OpenAsync(server.Channel, "p", "quiet", "rank0", "quiet-" + i);
            await idle.CompleteAsync();
        }

        await using var resumed = await IngestStream.OpenAsync(server.Channel, "p", "quiet", "rank0", "quiet-0");
        await resumed.CompleteAsync();
        Assert.Empty(EventFiles.Files(_data.Path, "p", "quiet"));
        Assert.Empty(Directory.GetFiles(_data.Path, "*tfevents*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task GetRun_TagTablesNamingTagsWithoutPoints_ListsOnlyTheTagsThatCarriedPoints()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "tags", "rank0", "tags");
        for (ulong seq = 1; seq <= 5; seq++)
        {
            // 50,000 tags in each table, one point: the old service listed every one (GetRun grew to 21 MB).
            var tags = Enumerable.Range(0, 50_000).Select(i => FormattableString.Invariant($"junk/{seq}/{i}")).Prepend("train/loss").ToArray();
            await stream.SendAsync(Batches.Scalars(seq, tags, [(0, (long)seq, 1.0, 1.0)]));
        }

        Assert.True(await stream.WaitAckAsync(5));
        var client = new Protocol.V1.AlertService.AlertServiceClient(server.Channel);
        var details = await client.GetRunAsync(new Protocol.V1.GetRunRequest { Project = "p", Run = "tags" });
        Assert.Equal(["train/loss"], details.Tags);
        await stream.CompleteAsync();
    }

    [Fact]
    public async Task Alerts_TwentyOnOneRun_TheNewestTextEntryListsAllTwenty()
    {
        await using (var server = await InProcessServer.StartAsync(_data.Path, builder =>
            builder.Services.Replace(ServiceDescriptor.Singleton<IStreamAnalysisFactory>(new AlertPerBatch()))))
        {
            await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "noisy", "rank0", "noisy");
            for (ulong seq = 1; seq <= 20; seq++)
            {
                await stream.SendAsync(Batches.Numbered(seq, 10, tagCount: 1));
            }

            Assert.True(await stream.WaitAckAsync(20));
            await stream.CompleteAsync();
        }

        if (Environment.GetEnvironmentVariable("TBBRIDGE_TBCHECK_OUT") is { Length: > 0 } outDir)
        {
            // eng/tensorboard-check.sh: stock TensorBoard's readers, default flags, on this run.
            CopyTree(Path.Combine(_data.Path, "p", "noisy"), Path.Combine(outDir, "alerts-20"));
        }

        var entries = EventFiles.ReadAll(_data.Path, "p", "noisy").SelectMany(e => e.Values).Where(v => v.Tag == "tbbridge/alerts").Select(v => v.Text!).ToArray();
        Assert.Equal(20, entries.Length);
        string newest = entries[^1];
        Assert.Contains("**Alerts of this run so far** (20, newest first):", newest, StringComparison.Ordinal);
        for (int i = 1; i <= 20; i++)
        {
            Assert.Contains(FormattableString.Invariant($"`test_alert` on `metric/0` at step {(i - 1) * 10}: alert {i}"), newest, StringComparison.Ordinal);
        }
    }

    private static void CopyTree(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>An analysis that raises one alert per batch, at the batch's first step: twenty batches, twenty alerts.</summary>
    private sealed class AlertPerBatch : IStreamAnalysisFactory
    {
        public IStreamAnalysis Create(StreamIdentity stream, Action<Alert> raise) => new Analysis(raise);

        private sealed class Analysis(Action<Alert> raise) : IStreamAnalysis
        {
            private int _count;

            public void Observe(IngestBatch batch) =>
                raise(new Alert("r", "test_alert", AlertSeverity.Warning, batch.Scalars.Steps[0], batch.Tags[0], [batch.Tags[0]], "test", $"alert {++_count}", "", new Dictionary<string, double>(), 1_700_000_000));

            public long Replay(IReadOnlyList<(string File, long Length)> files, ICollection<string> serviceEntries, CancellationToken cancellationToken) => 0;

            public void Complete()
            {
            }
        }
    }
}
