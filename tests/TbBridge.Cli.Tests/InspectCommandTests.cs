using System.Text.Json;
using Google.Protobuf;
using TbBridge.Events;
using TbBridge.Testing;

namespace TbBridge.Cli.Tests;

public class InspectCommandTests
{
    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await TbBridgeCli.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Inspect_Json_PyTorchRunsReportEveryTagWithExactCountsAndSteps()
    {
        var (exitCode, output, _) = await RunAsync("inspect", RepoPaths.PyTorchRuns, "--json");

        Assert.Equal(0, exitCode);
        using var doc = JsonDocument.Parse(output);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(17, runs.Count);
        Assert.Empty(doc.RootElement.GetProperty("errors").EnumerateArray());
        var nan = runs.Single(r => r.GetProperty("run").GetString() == "nan-in-batch");
        var tags = nan.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("tag").GetString()!);

        var loss = tags["train/loss"];
        Assert.Equal(["tag", "kind", "count", "first_step", "last_step"], loss.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("scalar", 600, 0, 599), (loss.GetProperty("kind").GetString(), loss.GetProperty("count").GetInt32(), loss.GetProperty("first_step").GetInt32(), loss.GetProperty("last_step").GetInt32()));
        Assert.Equal("histogram", tags["weights/hidden.0.weight"].GetProperty("kind").GetString());
        Assert.Equal("histogram", tags["val/predictions"].GetProperty("kind").GetString());

        // Every tag's count and step range against an independent count over the run's own file.
        var expected = CountIndependently(Directory.GetFiles(Path.Combine(RepoPaths.PyTorchRuns, "nan-in-batch"), "*tfevents*").Single());
        Assert.Equal(expected.Count, tags.Count);
        foreach (var (tag, (count, first, last)) in expected)
        {
            Assert.Equal((count, first, last), (tags[tag].GetProperty("count").GetInt64(), tags[tag].GetProperty("first_step").GetInt64(), tags[tag].GetProperty("last_step").GetInt64()));
        }
    }

    [Fact]
    public async Task Inspect_Json_Tf2TensorScalarsCountAsScalars()
    {
        var (exitCode, output, _) = await RunAsync("inspect", Path.Combine(RepoPaths.ReferenceRecords, "tensorboard-writer"), "--json");

        Assert.Equal(0, exitCode);
        using var doc = JsonDocument.Parse(output);
        var tag = doc.RootElement.GetProperty("runs")[0].GetProperty("tags").EnumerateArray().Single(t => t.GetProperty("tag").GetString() == "tf2/scalar");
        Assert.Equal("scalar", tag.GetProperty("kind").GetString());
        Assert.Equal(5, tag.GetProperty("count").GetInt32());
        Assert.Equal(".", doc.RootElement.GetProperty("runs")[0].GetProperty("run").GetString());
    }

    [Fact]
    public async Task Inspect_Json_DamagedFileListsErrorWithFileAndOffsetAndExitsOne()
    {
        using var temp = new TempFolder();
        string source = Directory.GetFiles(Path.Combine(RepoPaths.PyTorchRuns, "healthy-adam"), "*tfevents*").Single();
        byte[] bytes = File.ReadAllBytes(source);
        string damaged = Path.Combine(temp.Path, Path.GetFileName(source));
        File.WriteAllBytes(damaged, bytes.AsSpan(0, bytes.Length - 10).ToArray());

        var (exitCode, output, _) = await RunAsync("inspect", temp.Path, "--json");

        Assert.Equal(1, exitCode);
        using var doc = JsonDocument.Parse(output);
        var error = Assert.Single(doc.RootElement.GetProperty("errors").EnumerateArray().ToList());
        Assert.Equal(damaged, error.GetProperty("file").GetString());
        Assert.True(error.GetProperty("offset").GetInt64() > 0);
        Assert.Contains("truncated", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Table_ShowsRunsTagsAndWallTimes()
    {
        var (exitCode, output, _) = await RunAsync("inspect", Path.Combine(RepoPaths.ReferenceRecords, "pytorch"));

        Assert.Equal(0, exitCode);
        Assert.Contains("group_train", output, StringComparison.Ordinal);
        Assert.Contains("scalar/plain", output, StringComparison.Ordinal);
        Assert.Contains("histogram", output, StringComparison.Ordinal);
        Assert.Matches(@"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", output);
    }

    [Fact]
    public async Task Inspect_MissingDirectory_ExitsTwoWithMessage()
    {
        var (exitCode, _, error) = await RunAsync("inspect", "/nonexistent/logs");

        Assert.Equal(2, exitCode);
        Assert.Contains("/nonexistent/logs", error, StringComparison.Ordinal);
    }

    /// <summary>Counts tags straight from the TFRecord frames with the generated protobuf parser: no TbBridge reader involved.</summary>
    private static Dictionary<string, (long Count, long First, long Last)> CountIndependently(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var result = new Dictionary<string, (long Count, long First, long Last)>();
        for (int position = 0; position < bytes.Length;)
        {
            int length = (int)BitConverter.ToUInt64(bytes, position);
            var evt = Events.Protos.Event.Parser.ParseFrom(bytes, position + 12, length);
            foreach (var value in evt.Summary?.Value ?? [])
            {
                result[value.Tag] = result.TryGetValue(value.Tag, out var s) ? (s.Count + 1, s.First, evt.Step) : (1, evt.Step, evt.Step);
            }

            position += 16 + length;
        }

        return result;
    }

    [Fact]
    public async Task Inspect_DirectoryWithoutEventFiles_SaysItIsEmptyAndExitsTwo()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Combine("notes.txt"), "not an event file");

        var (exitCode, output, error) = await RunAsync("inspect", temp.Path, "--json");

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Contains($"no runs under {temp.Path}", error, StringComparison.Ordinal);
    }
}
