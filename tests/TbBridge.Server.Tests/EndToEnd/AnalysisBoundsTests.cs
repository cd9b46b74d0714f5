using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using TbBridge.Analysis;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Analysis;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Ingest;
using HistogramPoint = TbBridge.Protocol.V1.HistogramPoint;
using TbBridge.Server.Internal.Routing;
using TbBridge.Server.Tests.Infrastructure;
using TbBridge.Server.Tests.Internal;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// The analysis of one worker is bounded (tags it keeps state for, alerts per episode and per subject), and the
/// alert text entries in its event file do not grow with its alert log: on a real service, counted by the engine
/// and read back with the independent decoder.
/// </summary>
public sealed class AnalysisBoundsTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_ManyDistinctTagsFromOneWorker_AnalysisStaysWithinTheBoundAndEveryPointIsOnDisk()
    {
        var log = new RecordingLoggerFactory();
        var analyses = new ConcurrentBag<RunAnalysis>();
        await using var server = await InProcessServer.StartAsync(_data.Path, builder => builder.Services.AddSingleton<IStreamAnalysisFactory>(
            new CapturingFactory(new RunAnalyzerFactory(new AnalysisOptions { MaxTags = 100 }, log), analyses)));

        const int Batches = 5, TagsPerBatch = 1000;
        await using (var stream = await IngestStream.OpenAsync(server.Channel, "p", "wide", "rank0", "wide"))
        {
            for (int b = 0; b < Batches; b++)
            {
                var tags = Enumerable.Range(0, TagsPerBatch).Select(i => $"custom/metric_{(b * TagsPerBatch) + i}").ToArray();
                await stream.SendAsync(Infrastructure.Batches.Scalars((ulong)b + 1, tags, Enumerable.Range(0, TagsPerBatch).Select(i => (i, (long)b, (double)i, 1000.0 + b))));
            }

            // The loss comes after 5,000 other tags and is still analysed: its NaN raises nan_inf.
            await stream.SendAsync(Infrastructure.Batches.Scalars(Batches + 1, ["train/loss"], Enumerable.Range(0, 30).Select(i => (0, 10L + i, i == 29 ? double.NaN : 2.0 - (i * 0.01), 2000.0 + i))));
            Assert.True(await stream.WaitAckAsync(Batches + 1));
            await stream.CompleteAsync();
        }

        var analyzer = Assert.Single(analyses).Analyzer;
        Assert.Equal(76, analyzer.TagsAnalysed); // 75 arbitrary tags (three quarters of the bound), then the loss
        Assert.Equal((Batches * TagsPerBatch) - 75, analyzer.PointsNotAnalysed);
        Assert.Equal((Batches * TagsPerBatch) + 30, analyzer.PointsObserved);

        var alerts = await new AlertService.AlertServiceClient(server.Channel).ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p" }, PageSize = 100 });
        var nan = Assert.Single(alerts.Alerts, a => a.Kind == "nan_inf");
        Assert.Equal(("train/loss", 39L), (nan.Tag, nan.Step));

        // Beyond the bound is still written: every point is on disk, none doubled.
        var onDisk = IndependentEvents.Scalars(_data.Path, "p", "wide");
        Assert.Equal((Batches * TagsPerBatch) + 30, onDisk.Count);
        Assert.Equal(onDisk.Count, onDisk.Select(p => (p.Tag, p.Step)).Distinct().Count());

        // Said once in the log.
        var lines = log.ToString().Split(Environment.NewLine).Where(l => l.Contains("not analysed", StringComparison.Ordinal)).ToArray();
        var line = Assert.Single(lines);
        Assert.Contains("Worker rank0 of p/wide logs more than 100 tags", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_FlappingDeadLayerAndManyAlerts_OneAlertPerEpisodeAndEveryTextEntryBounded()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        const int Flaps = 300, DeadLayers = 60;
        string longName = new('x', 900); // long tags made the log's lines, and so each entry, long
        await using (var stream = await IngestStream.OpenAsync(server.Channel, "p", "flap", "rank0", "flap"))
        {
            // One layer dead for 3 snapshots, alive for 1, 300 times: before, 300 dead_relu alerts.
            var batch = new PointBatch { Sequence = 1 };
            batch.Tags.Add("activations/relu1");
            long step = 0;
            for (int flap = 0; flap < Flaps; flap++)
            {
                for (int i = 0; i < 4; i++)
                {
                    batch.Histograms.Add(Layer(0, step++, dead: i < 3));
                }
            }

            await stream.SendAsync(batch);

            // 60 more layers, each dead: 60 alerts, so the worker's alert log outgrows the entry's window.
            var many = new PointBatch { Sequence = 2 };
            for (uint layer = 0; layer < DeadLayers; layer++)
            {
                many.Tags.Add($"activations/{longName}{layer}");
                for (int i = 0; i < 3; i++)
                {
                    many.Histograms.Add(Layer(layer, step + i, dead: true));
                }
            }

            await stream.SendAsync(many);
            Assert.True(await stream.WaitAckAsync(2));
            await stream.CompleteAsync();
        }

        var client = new AlertService.AlertServiceClient(server.Channel);
        var listed = (await client.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p" }, PageSize = 1000 })).Alerts;
        Assert.Single(listed, a => a.Tag == "activations/relu1");
        Assert.Equal(1 + DeadLayers, listed.Count(a => a.Kind == "dead_relu"));

        await server.StopAsync();
        var written = TextEntries("p", "flap");
        var entries = written.ConvertAll(e => e.Text);
        Assert.Equal(listed.Count, entries.Count);
        // 60 alerts at one step, and later ones about earlier steps: each entry still goes above the last, or
        // TensorBoard's data server (which keeps only rising steps per tag) would never show it.
        Assert.All(written.Zip(written.Skip(1)), pair => Assert.True(pair.Second.Step > pair.First.Step, $"entry at step {pair.Second.Step} after {pair.First.Step}"));
        int bound = AlertText.MaxEntryChars(AlertRouter.MaxLoggedAlerts);
        Assert.All(entries, e => Assert.InRange(e.Length, 1, bound));
        // The newest lists the window and counts the rest, rather than carrying the whole log.
        Assert.Contains($"… and {listed.Count - AlertRouter.MaxLoggedAlerts} earlier ones", entries[^1], StringComparison.Ordinal);
        Assert.Equal(AlertRouter.MaxLoggedAlerts, entries[^1].Split('\n').Count(l => l.Contains(". **warning** `dead_relu`", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Ingest_FiniteLossBeyondFloat32_StoredAsInfAndRaisesNanInf()
    {
        // 1e40 is a finite double but a float32 +Inf in the file: the analysis sees what the file holds.
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using (var stream = await IngestStream.OpenAsync(server.Channel, "p", "huge", "rank0", "huge"))
        {
            await stream.SendAsync(Infrastructure.Batches.Scalars(1, ["train/loss", "custom/big"], [.. Enumerable.Range(0, 30).Select(i => (0, (long)i, i == 29 ? 1e40 : 2.0 - (i * 0.01), 1000.0 + i)), (1, 5L, -1e40, 1005.0)]));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.CompleteAsync();
        }

        var alerts = (await new AlertService.AlertServiceClient(server.Channel).ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p" } })).Alerts;
        var nan = Assert.Single(alerts, a => a.Kind == "nan_inf"); // custom/big is no training signal: no nan_inf for it
        Assert.Equal(("train/loss", 29L, 1.0), (nan.Tag, nan.Step, nan.Evidence["is_inf"]));

        var onDisk = IndependentEvents.Scalars(_data.Path, "p", "huge");
        Assert.Equal(31, onDisk.Count);
        Assert.Equal(float.PositiveInfinity, Assert.Single(onDisk, p => p.Tag == "train/loss" && p.Step == 29).Value);
        Assert.Equal(float.NegativeInfinity, Assert.Single(onDisk, p => p.Tag == "custom/big").Value);
    }

    /// <summary>An activation histogram of layer <paramref name="tag"/>: all zero (dead) or half zero.</summary>
    private static HistogramPoint Layer(uint tag, long step, bool dead) => dead
        ? new HistogramPoint { TagIndex = tag, Step = step, WallTime = 1000.0 + step, Min = 0, Max = 0, Num = 4096, BucketLimit = { 1e-12 }, Bucket = { 4096 } }
        : new HistogramPoint
        {
            TagIndex = tag, Step = step, WallTime = 1000.0 + step, Min = 0, Max = 4, Num = 4096, Sum = 2048 * 2.0, SumSquares = 2048 * 16 / 3.0,
            BucketLimit = { 0, 1e-12, 1, 2, 3, 4 }, Bucket = { 0, 2048, 512, 512, 512, 512 },
        };

    /// <summary>The run's <c>tbbridge/alerts</c> entries and their steps, read with the tests' own decoder, in file order.</summary>
    private List<(long Step, string Text)> TextEntries(string project, string run)
    {
        var texts = new List<(long, string)>();
        foreach (string file in Directory.EnumerateFiles(EventFiles.RunDirectory(_data.Path, project, run), "*tfevents*", SearchOption.AllDirectories))
        {
            foreach (var evt in IndependentEvents.Records(File.ReadAllBytes(file)))
            {
                texts.AddRange(evt.Summary?.Value.Where(v => v.Tag == IndependentEvents.ServiceTag).Select(v => (evt.Step, v.Tensor.StringVal[0].ToStringUtf8())) ?? []);
            }
        }

        return texts;
    }

    private sealed class CapturingFactory(RunAnalyzerFactory inner, ConcurrentBag<RunAnalysis> analyses) : IStreamAnalysisFactory
    {
        public IStreamAnalysis Create(StreamIdentity stream, Action<TbBridge.Analysis.Alert> raise)
        {
            var analysis = (RunAnalysis)inner.Create(stream, raise);
            analyses.Add(analysis);
            return analysis;
        }
    }
}
