using System.Text;
using System.Text.RegularExpressions;

namespace TbBridge.Packaging.Tests;

/// <summary>
/// The C# blocks of a markdown file, turned into one console program: each block becomes a method of its own
/// (its <c>using</c> lines gathered at the top), and the program runs the block named on its command line.
/// Names a block takes as given (a model, a training step) come from a givens file through <c>using static</c>.
/// </summary>
internal static partial class ReadmeSnippet
{
    public static IReadOnlyList<string> Blocks(string markdownPath) =>
        [.. CSharpBlock().Matches(File.ReadAllText(markdownPath)).Select(m => m.Groups[1].Value)];

    /// <summary>Writes <c>Program.cs</c> and <c>Snippets.cs</c> for <paramref name="blocks"/> into <paramref name="directory"/>.</summary>
    public static void WriteProgram(string directory, IReadOnlyList<string> blocks, string givensFile)
    {
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        var methods = new StringBuilder();
        for (int i = 0; i < blocks.Count; i++)
        {
            methods.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"    public static async Task Block{i}()").AppendLine("    {");
            foreach (string line in blocks[i].Split('\n'))
            {
                if (line.StartsWith("using ", StringComparison.Ordinal) && line.TrimEnd().EndsWith(';') && !line.Contains('('))
                {
                    usings.Add(line.Trim());
                }
                else
                {
                    methods.Append("        ").AppendLine(line);
                }
            }

            methods.AppendLine("        await Task.CompletedTask;").AppendLine("    }").AppendLine();
        }

        File.WriteAllText(Path.Combine(directory, "Snippets.cs"), $$"""
            {{string.Join('\n', usings)}}
            using static Givens;

            public static class Snippets
            {
            {{methods}}
            }
            """);
        var cases = string.Join('\n', Enumerable.Range(0, blocks.Count).Select(i => $"    \"{i}\" => Snippets.Block{i}(),"));
        File.WriteAllText(Path.Combine(directory, "Program.cs"), $$"""
            await (args[0] switch
            {
            {{cases}}
                _ => throw new ArgumentException("no such block: " + args[0]),
            });
            """);
        File.Copy(givensFile, Path.Combine(directory, "Givens.cs"), overwrite: true);
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
