namespace TbBridge.Analysis.Tests.Support;

/// <summary>Finds ../shared/datasets beside the checkout (walks up to TbBridge.sln).</summary>
public static class SharedData
{
    /// <summary>The pytorch-runs folder, or null when shared/ is not there.</summary>
    public static string? PyTorchRunsOrNull()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TbBridge.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("TbBridge.sln not found above the test binaries");
        }

        var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "pytorch-runs"));
        return Directory.Exists(path) ? path : null;
    }

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
