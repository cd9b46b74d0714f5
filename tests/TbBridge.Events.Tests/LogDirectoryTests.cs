using TbBridge.Events.Tests.Support;
using TbBridge.Testing;

namespace TbBridge.Events.Tests;

public class LogDirectoryTests
{
    [Fact]
    public void DiscoverRuns_NestedDirectories_NamesRunsByRelativePathAndOrdersFiles()
    {
        using var temp = new TempFolder();
        foreach (string file in new[] { "events.out.tfevents.2.h.1.0", "events.out.tfevents.1.h.1.0", "notes.txt" })
        {
            File.WriteAllBytes(temp.Combine(file), []);
        }

        Directory.CreateDirectory(temp.Combine("exp", "run b"));
        File.WriteAllBytes(temp.Combine("exp", "run b", "events.out.tfevents.5.h.2.0"), []);
        Directory.CreateDirectory(temp.Combine("empty"));

        var runs = LogDirectory.DiscoverRuns(temp.Path);

        Assert.Equal([".", "exp/run b"], runs.Select(r => r.Name));
        Assert.Equal(["events.out.tfevents.1.h.1.0", "events.out.tfevents.2.h.1.0"], runs[0].EventFiles.Select(Path.GetFileName));
    }

    [Fact]
    public void DiscoverRuns_MissingDirectory_ThrowsWithPath()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => LogDirectory.DiscoverRuns("/nonexistent/tbbridge"));
        Assert.Contains("/nonexistent/tbbridge", e.Message, StringComparison.Ordinal);
    }
}
