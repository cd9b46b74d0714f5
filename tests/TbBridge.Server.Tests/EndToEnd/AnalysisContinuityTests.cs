using System.Text.Json;
using TbBridge.Events;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// One analysis per worker of a run, whatever its connections: across reconnects and restarts of the service,
/// completed when its stream ends, so the service raises what <c>tbbridge analyze</c> finds in the service's own copy.
/// </summary>
public sealed class AnalysisContinuityTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Analysis_RunStreamedOverThreeConnections_RaisesExactlyWhatAnalyzeFindsInTheServicesCopy()
    {
        string source = Path.Combine(RepoPaths.PyTorchRuns, "tiny-lr-no-progress");
        var workers = new Dictionary<string, List<PointBatch>>
        {
            ["rank0"] = ToBatches(Directory.GetFiles(source, "*tfevents*").Single(), eventsPerBatch: 200),
            // Tags no rule knows: `unrecognized_signals` is raised only by the end-of-run checks.
            ["rank1"] = [.. Enumerable.Range(0, 6).Select(b => Batches.Scalars((ulong)b + 1, ["custom/a", "custom/b"], Enumerable.Range(b * 50, 50).Select(i => (i % 2, (long)i, Math.Sin(i), 1_700_000_000.0 + i))))],
        };

        await using var server = await InProcessServer.StartAsync(_data.Path);
        foreach (var (worker, batches) in workers)
        {
            int third = (batches.Count + 2) / 3;
            for (int connection = 0; connection < 3; connection++)
            {
                await using var stream = await IngestStream.OpenAsync(server.Channel, "eval", "tiny-lr", worker, "tiny-lr-" + worker);
                foreach (var batch in batches.Skip(connection * third).Take(third))
                {
                    await stream.SendAsync(batch);
                }

                Assert.True(await stream.WaitAckAsync(batches[Math.Min(batches.Count, (connection + 1) * third) - 1].Sequence));
                if (connection == 2)
                {
                    await stream.CompleteAsync(); // the clean end: the end-of-run checks run now
                }

                // The first two connections just drop, as a worker's do when the network fails.
            }
        }

        var client = new AlertService.AlertServiceClient(server.Channel);
        var listed = (await client.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "eval" } })).Alerts;
        foreach (string worker in workers.Keys)
        {
            var raised = listed.Where(a => a.Worker == worker).Select(a => (a.Kind, a.Tag, a.Step)).Order().ToArray();
            var (exit, output, error) = await CliProcess.RunAsync("analyze", Path.Combine(_data.Path, "eval", "tiny-lr", worker), "--json");
            Assert.True(exit == 0, output + error);
            using var json = JsonDocument.Parse(output);
            var analyzed = json.RootElement.GetProperty("runs").EnumerateArray().Single().GetProperty("alerts").EnumerateArray()
                .Select(a => (a.GetProperty("kind").GetString()!, a.GetProperty("tag").GetString()!, a.GetProperty("step").GetInt64())).Order().ToArray();

            Assert.NotEmpty(analyzed);
            Assert.Equal(analyzed, raised);
        }

        Assert.Contains(listed, a => a.Worker == "rank1" && a.Kind == "unrecognized_signals");
    }

    [Fact]
    public async Task Analysis_NanLossOverFourConnectionsAndARestart_RaisesOneNanInfAlert()
    {
        ulong sequence = 0;
        long step = 0;
        PointBatch NextNanBatch()
        {
            sequence++;
            var points = Enumerable.Range(0, 20).Select(_ => (0, step, step++ < 10 ? 1.0 : double.NaN, 1_700_000_000.0 + step)).ToArray();
            return Batches.Scalars(sequence, ["train/loss"], points);
        }

        await using (var server = await InProcessServer.StartAsync(_data.Path))
        {
            for (int connection = 0; connection < 4; connection++)
            {
                await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "nan-run", "rank0", "nan-stream");
                await stream.SendAsync(NextNanBatch());
                Assert.True(await stream.WaitAckAsync(sequence));
            }

            Assert.Single(await NanAlertsAsync(server));
        }

        // After a restart the analysis is rebuilt from the service's own files: the loss is still NaN, and the alert
        // it raised before is not raised again.
        await using (var restarted = await InProcessServer.StartAsync(_data.Path))
        {
            await using var stream = await IngestStream.OpenAsync(restarted.Channel, "p", "nan-run", "rank0", "nan-stream");
            await stream.SendAsync(NextNanBatch());
            Assert.True(await stream.WaitAckAsync(sequence));
            await stream.CompleteAsync();
            var alert = Assert.Single(await NanAlertsAsync(restarted));
            Assert.Equal(("train/loss", 10L), (alert.Tag, alert.Step));
        }

        // The worker's alert log was restated when the service took its stream up again: a text entry that a crash
        // had cut would be back in the file.
        var entries = EventFiles.ReadAll(_data.Path, "p", "nan-run").SelectMany(e => e.Values).Where(v => v.Tag == "tbbridge/alerts").Select(v => v.Text!).ToArray();
        Assert.Equal(2, entries.Length);
        Assert.StartsWith("**Alerts of this run so far** (1, newest first; restated", entries[1], StringComparison.Ordinal);
        Assert.Contains("`nan_inf` on `train/loss` at step 10", entries[1], StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<TbBridge.Protocol.V1.Alert>> NanAlertsAsync(InProcessServer server)
    {
        var client = new AlertService.AlertServiceClient(server.Channel);
        var reply = await client.ListAsync(new ListAlertsRequest { Filter = new AlertFilter { Project = "p", Kinds = { "nan_inf" } } });
        return reply.Alerts;
    }

    /// <summary>A PyTorch run's scalars and histograms as protocol batches, sequences from 1.</summary>
    private static List<PointBatch> ToBatches(string file, int eventsPerBatch)
    {
        var batches = new List<PointBatch>();
        var events = RunReader.ReadFile(file, new EventDecoder()).Where(e => e.Values.Any(v => v.Kind is ValueKind.Scalar or ValueKind.Histogram)).ToArray();
        foreach (var chunk in events.Chunk(eventsPerBatch))
        {
            var batch = new PointBatch { Sequence = (ulong)batches.Count + 1, Scalars = new ScalarColumns() };
            var tags = new Dictionary<string, uint>(StringComparer.Ordinal);
            uint Tag(string tag)
            {
                if (!tags.TryGetValue(tag, out uint index))
                {
                    tags[tag] = index = (uint)tags.Count;
                    batch.Tags.Add(tag);
                }

                return index;
            }

            foreach (var evt in chunk)
            {
                foreach (var v in evt.Values)
                {
                    if (v.Kind == ValueKind.Scalar)
                    {
                        batch.Scalars.TagIndex.Add(Tag(v.Tag));
                        batch.Scalars.Step.Add(evt.Step);
                        batch.Scalars.Value.Add(v.Scalar);
                        batch.Scalars.WallTime.Add(evt.WallTime);
                    }
                    else if (v.Kind == ValueKind.Histogram && v.Histogram is { } h)
                    {
                        batch.Histograms.Add(new HistogramPoint
                        {
                            TagIndex = Tag(v.Tag), Step = evt.Step, WallTime = evt.WallTime,
                            Min = h.Min, Max = h.Max, Num = h.Num, Sum = h.Sum, SumSquares = h.SumSquares,
                            BucketLimit = { h.BucketLimits }, Bucket = { h.BucketCounts },
                        });
                    }
                }
            }

            batches.Add(batch);
        }

        return batches;
    }
}
