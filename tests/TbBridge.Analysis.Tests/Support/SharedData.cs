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

    /// <summary>The keras-runs folder (beside pytorch-runs), or null when shared/ is not there.</summary>
    public static string? KerasRunsOrNull() =>
        PyTorchRunsOrNull() is { } pytorch && Path.Combine(Path.GetDirectoryName(Path.GetFullPath(pytorch).TrimEnd(Path.DirectorySeparatorChar))!, "keras-runs") is var keras
        && Directory.Exists(keras) ? keras : null;

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
