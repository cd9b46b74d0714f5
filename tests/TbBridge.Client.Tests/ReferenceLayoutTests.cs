using TbBridge.Client.Tests.Support;
using TbBridge.Events.Protos;
using TbBridge.Events.Protos.Hparams;
using TbBridge.Testing;

namespace TbBridge.Client.Tests;

/// <summary>
/// Writes the same points as the reference records (the datasets fixture's reference-records/pytorch, written by
/// PyTorch's SummaryWriter) and compares the events message by message, wall times aside.
/// </summary>
public class ReferenceLayoutTests
{
    private static string Reference(params string[] parts) => Path.Combine([RepoPaths.ReferenceRecords, "pytorch", .. parts]);

    [Fact]
    public void ScalarsTextAndRawHistogram_MatchPyTorchsRecords()
    {
        using var temp = new TempFolder();
        using (var writer = new SummaryWriter(temp.Path))
        {
            for (int s = 0; s < 5; s++)
            {
                writer.AddScalar("scalar/plain", s * 0.5, s);
            }

            writer.AddScalar("scalar/nan", double.NaN, 5);
            writer.AddScalar("scalar/inf", double.PositiveInfinity, 6);
            writer.AddScalar("scalar/neg_inf", double.NegativeInfinity, 7);
            writer.AddHistogramRaw("hist/raw", -1, 1, 4, 0, 2, [-0.5, 0, 0.5, 1], [1, 1, 1, 1], 2);
            writer.AddText("notes", "**bold** and a [link](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |", 0);
        }

        var reference = Summaries(Reference()).Where(e => !e.Summary.Value[0].Tag.StartsWith("hist/", StringComparison.Ordinal) || e.Summary.Value[0].Tag == "hist/raw").ToList();
        var ours = Summaries(temp.Path);

        Assert.Equal(reference.Count, ours.Count);
        for (int i = 0; i < reference.Count; i++)
        {
            Assert.Equal(reference[i], ours[i]);
        }
    }

    [Fact]
    public void AddScalars_MatchesPyTorchsSubRuns()
    {
        using var temp = new TempFolder();
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddScalars("group", new Dictionary<string, double> { ["train"] = 1.0, ["val"] = 2.0 }, 0);
            writer.AddScalars("group", new Dictionary<string, double> { ["train"] = 0.5, ["val"] = 1.5 }, 1);
        }

        foreach (string run in new[] { "group_train", "group_val" })
        {
            Assert.Equal(Summaries(Reference(run)), Summaries(Path.Combine(temp.Path, run)));
        }

        Assert.Empty(Summaries(temp.Path));
    }

    [Fact]
    public void AddHparams_MatchesPyTorchsSessionRun()
    {
        using var temp = new TempFolder();
        using (var writer = new SummaryWriter(temp.Path))
        {
            writer.AddHparams(
                new Dictionary<string, HparamValue> { ["lr"] = 0.001, ["optimizer"] = "adam", ["layers"] = 3, ["clip"] = 1.0 },
                new Dictionary<string, double> { ["hparam/val_loss"] = 0.25, ["hparam/val_acc"] = 0.9 },
                runName: "hparams-run");
        }

        var reference = Summaries(Reference("hparams-run"));
        var ours = Summaries(Path.Combine(temp.Path, "hparams-run"));

        Assert.Equal(reference.Count, ours.Count);
        for (int i = 0; i < reference.Count; i++)
        {
            var r = reference[i].Summary.Value[0];
            var o = ours[i].Summary.Value[0];
            Assert.Equal(r.Tag, o.Tag);
            Assert.Equal(r.ValueCase, o.ValueCase);
            Assert.Equal(r.SimpleValue, o.SimpleValue);
            Assert.Equal(r.Metadata?.PluginData?.PluginName, o.Metadata?.PluginData?.PluginName);
            if (r.Metadata?.PluginData is { } plugin)
            {
                // Parsed, not byte-compared: a proto map's order on the wire is not fixed.
                Assert.Equal(HParamsPluginData.Parser.ParseFrom(plugin.Content), HParamsPluginData.Parser.ParseFrom(o.Metadata!.PluginData.Content));
            }
        }
    }

    // Every summary event of a run directory, wall time cleared.
    private static List<Event> Summaries(string dir) =>
        [.. ReadBack.RawEvents(dir).Where(e => e.WhatCase == Event.WhatOneofCase.Summary).Select(e =>
        {
            var copy = e.Clone();
            copy.WallTime = 0;
            return copy;
        })];
}
