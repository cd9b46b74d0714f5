using System.Text.Json;
using TbBridge.Events.Protos;
using TbBridge.Events.Tests.Support;
using TbBridge.Testing;

namespace TbBridge.Events.Tests;

/// <summary>The seventeen runs written by PyTorch's own writer: every record must come back exactly.</summary>
public class PyTorchRunsTests
{
    public static TheoryData<string> RunNames()
    {
        var data = new TheoryData<string>();
        foreach (string dir in Directory.EnumerateDirectories(RepoPaths.PyTorchRuns).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Fact]
    public void DiscoverRuns_PyTorchRuns_FindsAllSeventeen()
    {
        var runs = LogDirectory.DiscoverRuns(RepoPaths.PyTorchRuns);

        Assert.Equal(17, runs.Count);
        Assert.Contains(runs, r => r.Name == "nan-in-batch");
        Assert.All(runs, r => Assert.Single(r.EventFiles));
    }

    [Theory]
    [MemberData(nameof(RunNames))]
    public void ReadRun_EveryRun_ReturnsEveryPointOfTheIndependentParse(string name)
    {
        var run = LogDirectory.DiscoverRuns(RepoPaths.PyTorchRuns).Single(r => r.Name == name);
        var errors = new List<EventReadError>();

        var events = RunReader.ReadRun(run, errors).ToList();

        Assert.Empty(errors);
        var expected = NaiveEventFile.Read(run.EventFiles[0]);
        Assert.Equal(expected.Count, events.Count);
        Assert.Equal(EventFileWriter.FileVersion, events[0].FileVersion);

        // Totals per tag and kind, counted on the independent parse.
        var expectedCounts = expected.Where(e => e.Summary is not null)
            .SelectMany(e => e.Summary.Value)
            .GroupBy(v => (v.Tag, v.ValueCase))
            .ToDictionary(g => g.Key, g => g.Count());
        var actualCounts = events.SelectMany(e => e.Values)
            .GroupBy(v => (v.Tag, v.Kind switch
            {
                ValueKind.Scalar => Summary.Types.Value.ValueOneofCase.SimpleValue,
                ValueKind.Histogram => Summary.Types.Value.ValueOneofCase.Histo,
                _ => Summary.Types.Value.ValueOneofCase.Tensor,
            }))
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expectedCounts.OrderBy(p => p.Key.Tag, StringComparer.Ordinal), actualCounts.OrderBy(p => p.Key.Tag, StringComparer.Ordinal));

        // Every value, point for point, bit for bit.
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Step, events[i].Step);
            Assert.Equal(expected[i].WallTime, events[i].WallTime);
            var values = expected[i].Summary?.Value ?? [];
            for (int j = 0; j < values.Count; j++)
            {
                var actual = events[i].Values[j];
                Assert.Equal(values[j].Tag, actual.Tag);
                if (values[j].ValueCase == Summary.Types.Value.ValueOneofCase.SimpleValue)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(values[j].SimpleValue), BitConverter.SingleToInt32Bits((float)actual.Scalar));
                }
                else if (values[j].ValueCase == Summary.Types.Value.ValueOneofCase.Histo)
                {
                    Assert.Equal(values[j].Histo.Num, actual.Histogram!.Num);
                    Assert.Equal(values[j].Histo.Bucket, actual.Histogram.BucketCounts);
                    Assert.Equal(values[j].Histo.BucketLimit, actual.Histogram.BucketLimits);
                }
            }
        }

        // The run's length matches its label: one train/loss point per step.
        using var label = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Directory, "label.json")));
        int steps = label.RootElement.GetProperty("steps").GetInt32();
        Assert.Equal(steps, events.SelectMany(e => e.Values).Count(v => v.Tag == "train/loss"));
    }

    [Fact]
    public void ReadRun_NanInBatch_LossFiniteAt349AndNaNAt350()
    {
        var run = LogDirectory.DiscoverRuns(RepoPaths.PyTorchRuns).Single(r => r.Name == "nan-in-batch");

        var loss = RunReader.ReadRun(run)
            .SelectMany(e => e.Values.Where(v => v.Tag == "train/loss").Select(v => (e.Step, v.Scalar)))
            .ToDictionary(p => p.Step, p => p.Scalar);

        Assert.Equal(600, loss.Count);
        Assert.True(double.IsFinite(loss[349]), $"loss at 349 was {loss[349]}");
        Assert.True(double.IsNaN(loss[350]), $"loss at 350 was {loss[350]}");
        Assert.Equal(0, loss.Keys.Min());
        Assert.Equal(599, loss.Keys.Max());
    }

    [Theory]
    [MemberData(nameof(RunNames))]
    public void ReadRun_EveryRun_FirstNonFiniteLossMatchesLabel(string name)
    {
        var run = LogDirectory.DiscoverRuns(RepoPaths.PyTorchRuns).Single(r => r.Name == name);
        using var label = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Directory, "label.json")));
        var expected = label.RootElement.GetProperty("first_nonfinite_loss_step");

        long? firstNonFinite = RunReader.ReadRun(run)
            .SelectMany(e => e.Values.Where(v => v.Tag == "train/loss" && !double.IsFinite(v.Scalar)).Select(_ => (long?)e.Step))
            .FirstOrDefault();

        Assert.Equal(expected.ValueKind == JsonValueKind.Null ? null : expected.GetInt64(), firstNonFinite);
    }
}
