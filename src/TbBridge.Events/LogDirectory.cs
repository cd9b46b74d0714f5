namespace TbBridge.Events;

/// <summary>Finds runs the way TensorBoard does: every directory under the root that holds event files.</summary>
public static class LogDirectory
{
    /// <summary>Every run under <paramref name="root"/>, ordered by name.</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    public static IReadOnlyList<RunInfo> DiscoverRuns(string root)
    {
        var rootInfo = new DirectoryInfo(root);
        if (!rootInfo.Exists)
        {
            throw new DirectoryNotFoundException($"log directory not found: {root}");
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        var runs = new List<RunInfo>();
        foreach (var directory in rootInfo.EnumerateDirectories("*", options).Prepend(rootInfo))
        {
            var files = directory.EnumerateFiles("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 })
                .Where(static f => EventFileNames.IsEventFile(f.Name))
                .Select(static f => f.FullName)
                .Order(StringComparer.Ordinal)
                .ToArray();
            if (files.Length == 0)
            {
                continue;
            }

            string name = Path.GetRelativePath(rootInfo.FullName, directory.FullName).Replace(Path.DirectorySeparatorChar, '/');
            runs.Add(new RunInfo(name, directory.FullName, files));
        }

        runs.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return runs;
    }
}
