using System.Buffers.Binary;
using System.Globalization;
using TbBridge.Events;
using TbBridge.Remote;
using TbBridge.Server.Tests.Infrastructure;
using TensorBoardEvent = TbBridge.Events.Protos.Event;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// One <see cref="SummaryWriter"/> writes every kind to a local event file and, through <see cref="RemoteSink"/>,
/// to a real service on loopback: the two copies must hold the same sub-runs, tags, kinds, plugin names and
/// points. Each copy is read twice, by <c>TbBridge.Events</c> and by the test's own TFRecord framing and
/// compilation of TensorBoard's messages, so a bug shared by our reader and writer cannot hide.
/// </summary>
public sealed class WriterParityTests : IDisposable
{
    /// <summary>What the service itself adds to a run (its alert log); not the writer's.</summary>
    private const string ServiceTag = "tbbridge/alerts";

    private readonly TempFolder _local = new();
    private readonly TempFolder _data = new();

    public void Dispose()
    {
        _local.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task EveryKind_LocalFileAndServiceCopy_HoldTheSameRecords()
    {
        await using (var server = await InProcessServer.StartAsync(_data.Path))
        {
            var remote = RemoteSink.Create(new RemoteSinkOptions { Server = new Uri(server.Address), Project = "parity", Run = "every-kind", Worker = "w0" });
            await using (var writer = new SummaryWriter(_local.Path, new SummaryWriterOptions { Sinks = [remote] }))
            {
                WriteEveryKind(writer);
            }

            Assert.Equal((0L, 0L), (remote.DroppedPoints, remote.UnsupportedPoints));
        }

        string serviceRun = Path.Combine(_data.Path, "parity", "every-kind");
        if (Environment.GetEnvironmentVariable("TBBRIDGE_TBCHECK_OUT") is { Length: > 0 } outDir)
        {
            // eng/tensorboard-check.sh: both copies for stock TensorBoard's readers.
            CopyTree(_local.Path, Path.Combine(outDir, "parity-local"));
            CopyTree(serviceRun, Path.Combine(outDir, "parity-service"));
        }

        // The service keeps each worker as its own TensorBoard run: <run>/<sub-run>/w0/ holds what the writer kept in <sub-run>/.
        var localByEvents = ReadWithEvents(_local.Path);
        var serviceByEvents = ReadWithEvents(serviceRun, worker: "w0");
        var localByProtos = ReadWithOwnProtos(_local.Path);
        var serviceByProtos = ReadWithOwnProtos(serviceRun, worker: "w0");

        Assert.Equal(localByEvents, serviceByEvents);
        Assert.Equal(localByProtos, serviceByProtos);

        // Not two empty copies: every kind, every sub-run, every point is there.
        Assert.Equal([".", "hparams-session", "kinds_group_train", "kinds_group_val"], localByProtos.Select(r => r.Split(' ')[0]).Distinct().Order(StringComparer.Ordinal));
        // scalars, special scalars, the group's two sub-runs, histograms, hist_nan with its nan/inf counts,
        // the raw histogram, the text, the hparams plugin's three records and the session's two metrics
        Assert.Equal(10 + 4 + 10 + 3 + (1 + 2) + 1 + 1 + 3 + 2, localByProtos.Count);
        Assert.Contains(localByProtos, r => r.StartsWith(". kinds/notes/text_summary Tensor text 0 ", StringComparison.Ordinal));
        Assert.Contains(localByProtos, r => r.StartsWith(". kinds/hist_nan/nan_count SimpleValue - 0 ", StringComparison.Ordinal));
        Assert.Equal(3, localByProtos.Count(r => r.StartsWith("hparams-session _hparams_/", StringComparison.Ordinal) && r.Contains(" hparams ", StringComparison.Ordinal)));
        Assert.Equal(3 + 2, localByProtos.Count(r => r.Contains(" Histo ", StringComparison.Ordinal)));
    }

    private static void WriteEveryKind(SummaryWriter writer)
    {
        for (int s = 0; s < 10; s++)
        {
            writer.AddScalar("kinds/scalar", s * 0.5, s);
        }

        writer.AddScalar("kinds/special", double.NaN, 0);
        writer.AddScalar("kinds/special", double.PositiveInfinity, 1);
        writer.AddScalar("kinds/special", double.NegativeInfinity, 2);
        writer.AddScalar("kinds/special", -0.0, 3);
        for (int s = 0; s < 5; s++)
        {
            writer.AddScalars("kinds/group", new Dictionary<string, double> { ["train"] = 1.0 / (s + 1), ["val"] = 2.0 / (s + 1) }, s);
        }

        for (int s = 0; s < 3; s++)
        {
            writer.AddHistogram("kinds/hist", Enumerable.Range(0, 1000).Select(i => (float)((i - 500) / 100.0 + s)).ToArray(), s);
        }

        writer.AddHistogram("kinds/hist_nan", [1f, 2f, 3f, float.NaN, float.PositiveInfinity], 0); // + nan_count, inf_count
        writer.AddHistogramRaw("kinds/hist_raw", -1, 1, 4, 0, 2, [-0.5, 0, 0.5, 1], [1, 1, 1, 1], 0);
        writer.AddText("kinds/notes", "**TbBridge** parity\n\n| a | b |\n|---|---|\n| 1 | 2 |", 0);
        writer.AddHparams(
            new Dictionary<string, HparamValue> { ["lr"] = 0.001, ["optimizer"] = "adam", ["use_bn"] = true },
            new Dictionary<string, double> { ["hparam/val_loss"] = 0.25, ["hparam/val_acc"] = 0.9 },
            runName: "hparams-session");
    }

    /// <summary>Every value of every run below <paramref name="root"/>, through <c>TbBridge.Events</c>, as sorted lines.</summary>
    private static List<string> ReadWithEvents(string root, string? worker = null)
    {
        var lines = new List<string>();
        foreach (var run in LogDirectory.DiscoverRuns(root))
        {
            var errors = new List<EventReadError>();
            foreach (var evt in RunReader.ReadRun(run, errors))
            {
                foreach (var v in evt.Values.Where(v => v.Tag != ServiceTag))
                {
                    string content = v.Kind switch
                    {
                        ValueKind.Scalar => Bits(v.Scalar),
                        ValueKind.Histogram => string.Join(',', new[] { v.Histogram!.Min, v.Histogram.Max, v.Histogram.Num, v.Histogram.Sum, v.Histogram.SumSquares }.Concat(v.Histogram.BucketLimits).Concat(v.Histogram.BucketCounts).Select(Bits)),
                        ValueKind.Text => v.Text!,
                        _ => string.Empty,
                    };
                    lines.Add(FormattableString.Invariant($"{WithoutWorker(run.Name, worker)} {v.Tag} {v.Kind} {v.PluginName ?? "-"} {evt.Step} {Bits(evt.WallTime)} {content}"));
                }
            }

            Assert.Empty(errors);
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>A service run's name with its worker's directory taken off the end (<c>w0</c> → <c>.</c>, <c>sub/w0</c> → <c>sub</c>).</summary>
    private static string WithoutWorker(string run, string? worker)
    {
        if (worker is null)
        {
            return run;
        }

        Assert.True(run == worker || run.EndsWith("/" + worker, StringComparison.Ordinal), $"'{run}' is not a directory of worker '{worker}'");
        return run == worker ? "." : run[..^(worker.Length + 1)];
    }

    /// <summary>The same, read with a plain TFRecord loop and the test's own generated <c>tensorboard.Event</c>.</summary>
    private static List<string> ReadWithOwnProtos(string root, string? worker = null)
    {
        var lines = new List<string>();
        foreach (string file in Directory.EnumerateFiles(root, "*tfevents*", SearchOption.AllDirectories))
        {
            string run = WithoutWorker(Path.GetRelativePath(root, Path.GetDirectoryName(file)!).Replace('\\', '/'), worker);
            byte[] bytes = File.ReadAllBytes(file);
            for (int offset = 0; offset < bytes.Length;)
            {
                int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset)));
                var evt = TensorBoardEvent.Parser.ParseFrom(bytes.AsSpan(offset + 12, length));
                offset += 12 + length + 4;
                foreach (var v in evt.Summary?.Value.Where(v => v.Tag != ServiceTag) ?? [])
                {
                    // The value's whole message, minus nothing: bucket lists, tensor bytes, plugin content.
                    string plugin = v.Metadata?.PluginData?.PluginName is { Length: > 0 } name ? name : "-";
                    lines.Add(FormattableString.Invariant($"{run} {v.Tag} {v.ValueCase} {plugin} {evt.Step} {Bits(evt.WallTime)} {Convert.ToHexString(Google.Protobuf.MessageExtensions.ToByteArray(v))}"));
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
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

    private static string Bits(double value) => BitConverter.DoubleToInt64Bits(value).ToString("X16", CultureInfo.InvariantCulture);
}
