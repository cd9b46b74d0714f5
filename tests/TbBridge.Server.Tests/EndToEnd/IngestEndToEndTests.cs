using TbBridge.Events;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

public sealed class IngestEndToEndTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_ScalarsHistogramsAndText_AreInTheWorkersEventFilePointForPoint()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var stream = await IngestStream.OpenAsync(server.Channel, "vision", "resnet/lr-0.1", "rank0", "s-1");
        Assert.Equal(0UL, stream.Opened.LastSequence);
        Assert.False(stream.Opened.Resumed);

        string[] tags = ["train/loss", "train/acc", "lr"];
        var sent = new List<(string Tag, long Step, double Value, double WallTime)>();
        for (ulong seq = 1; seq <= 5; seq++)
        {
            var points = Enumerable.Range(0, 300).Select(i =>
            {
                long step = (1L << 40) + ((long)seq * 1000) + i; // beyond int: steps are long end to end
                return (Tag: i % 3, Step: step, Value: Math.Sin(step) * 1e3, WallTime: 1_763_900_000.123456 + (step * 0.001));
            }).ToArray();
            sent.AddRange(points.Select(p => (tags[p.Tag], p.Step, p.Value, p.WallTime)));
            await stream.SendAsync(Batches.Scalars(seq, tags, points));
        }

        var extra = new PointBatch { Sequence = 6 };
        extra.Tags.Add(["weights/fc1", "notes"]);
        extra.Histograms.Add(new HistogramPoint
        {
            TagIndex = 0, Step = 7, WallTime = 1_763_900_001.5, Min = -1, Max = 2, Num = 10, Sum = 3, SumSquares = 9,
            BucketLimit = { 0, 1, 2 }, Bucket = { 4, 5, 1 },
        });
        extra.Texts.Add(new TextPoint { TagIndex = 1, Step = 8, WallTime = 1_763_900_002.25, Text = "# hello\nworld" });
        await stream.SendAsync(extra);
        Assert.True(await stream.WaitAckAsync(6));

        // Acked means on disk: read the file now, while the stream is still open.
        var files = EventFiles.Files(_data.Path, "vision", "resnet/lr-0.1");
        var file = Assert.Single(files);
        Assert.Equal(Path.Combine("vision", "resnet", "lr-0.1", "rank0", Path.GetFileName(file)), stream.Opened.File); // the worker is its own TensorBoard run

        var events = EventFiles.ReadAll(_data.Path, "vision", "resnet/lr-0.1");
        Assert.Equal(EventFileWriter.FileVersion, events[0].FileVersion);
        var scalars = EventFiles.Scalars(_data.Path, "vision", "resnet/lr-0.1");
        Assert.Equal(sent.Count, scalars.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i].Tag, scalars[i].Tag);
            Assert.Equal(sent[i].Step, scalars[i].Step);
            Assert.Equal((float)sent[i].Value, (float)scalars[i].Value); // TensorBoard's simple_value is a float
            Assert.Equal(sent[i].WallTime, scalars[i].WallTime);
        }

        var histogram = Assert.Single(events, e => e.Values.Any(v => v.Kind == ValueKind.Histogram));
        var h = histogram.Values[0].Histogram!;
        Assert.Equal(("weights/fc1", 7L, 1_763_900_001.5), (histogram.Values[0].Tag, histogram.Step, histogram.WallTime));
        Assert.Equal((-1.0, 2.0, 10.0, 3.0, 9.0), (h.Min, h.Max, h.Num, h.Sum, h.SumSquares));
        Assert.Equal([0.0, 1, 2], h.BucketLimits);
        Assert.Equal([4.0, 5, 1], h.BucketCounts);

        var text = Assert.Single(events, e => e.Values.Any(v => v.Kind == ValueKind.Text)).Values[0];
        Assert.Equal(("notes", "# hello\nworld", "text"), (text.Tag, text.Text, text.PluginName));

        await stream.CompleteAsync();
        Assert.Null(stream.Failure);
    }

    [Fact]
    public async Task Ingest_ResumedAcrossReconnect_ContinuesTheSameFileAndWritesEveryBatchOnce()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using (var first = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "stream-a"))
        {
            await first.SendAsync(Batches.Numbered(1, 100));
            await first.SendAsync(Batches.Numbered(2, 100));
            Assert.True(await first.WaitAckAsync(2));
        }

        await using var second = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "stream-a");
        Assert.Equal(2UL, second.Opened.LastSequence);
        Assert.True(second.Opened.Resumed);
        await second.SendAsync(Batches.Numbered(3, 100));
        Assert.True(await second.WaitAckAsync(3));
        await second.CompleteAsync();

        var scalars = EventFiles.Scalars(_data.Path, "p", "r");
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), scalars.Select(s => s.Step).Order());
        Assert.Single(EventFiles.Files(_data.Path, "p", "r")); // one file per stream, continued on resume
    }

    [Fact]
    public async Task Ingest_NanAndInfinity_AreWrittenAsData()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "nan", "w0", "s");
        await stream.SendAsync(Batches.Scalars(1, ["x"], [(0, 1, double.NaN, 1.0), (0, 2, double.PositiveInfinity, 2.0), (0, 3, double.NegativeInfinity, 3.0)]));
        Assert.True(await stream.WaitAckAsync(1));
        var values = EventFiles.Scalars(_data.Path, "p", "nan").Where(s => s.Tag == "x").Select(s => s.Value).ToArray();
        Assert.True(double.IsNaN(values[0]));
        Assert.Equal(double.PositiveInfinity, values[1]);
        Assert.Equal(double.NegativeInfinity, values[2]);
    }

    [Fact]
    public async Task Ingest_StreamIdOfAnotherRun_IsRefusedWithFailedPrecondition()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using (var first = await IngestStream.OpenAsync(server.Channel, "p", "r1", "w0", "shared-id"))
        {
            await first.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await first.WaitAckAsync(1));
            await first.CompleteAsync();
        }

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => IngestStream.OpenAsync(server.Channel, "p", "r2", "w0", "shared-id"));
        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("bound to another run or worker", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("r1", error.Status.Detail, StringComparison.Ordinal); // nothing of the stream's owner
    }
}
