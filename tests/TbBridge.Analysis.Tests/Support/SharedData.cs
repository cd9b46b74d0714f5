using TbBridge.Testing;

namespace TbBridge.Analysis.Tests.Support;

/// <summary>The labelled runs: the evaluation may do without them only outside CI.</summary>
public static class SharedData
{
    /// <summary>The pytorch-runs folder, or null when shared/ is not there.</summary>
    public static string? PyTorchRunsOrNull()
    {
        try
        {
            return RepoPaths.PyTorchRuns;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
