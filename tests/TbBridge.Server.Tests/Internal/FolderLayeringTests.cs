using System.Text.RegularExpressions;

namespace TbBridge.Server.Tests.Internal;

/// <summary>
/// Ingest and alerts meet only in the router (Internal/Routing): neither folder names the other's namespace,
/// by a using directive or by a qualified name.
/// </summary>
public sealed class FolderLayeringTests
{
    [Theory]
    [InlineData("Ingest", "Alerts")]
    [InlineData("Alerts", "Ingest")]
    public void SourceFiles_OfOneFolder_DoNotReferToTheOther(string folder, string other)
    {
        string directory = Path.Combine(RepoPaths.Root, "src", "TbBridge.Server", "Internal", folder);
        var reference = new Regex($@"\bInternal\.{other}\b|(?<![\w.]){other}\.[A-Z]", RegexOptions.CultureInvariant);
        var files = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);

        var offenders = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => reference.IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToArray();
        Assert.True(offenders.Length == 0, string.Join(Environment.NewLine, offenders));
    }
}
