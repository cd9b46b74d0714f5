namespace TbBridge.Testing;

/// <summary>
/// The repository root (found by walking up from the test binaries to TbBridge.sln) and the shared
/// datasets beside the checkout (../shared/datasets), which every test that needs them must find.
/// </summary>
internal static class RepoPaths
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "TbBridge.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("TbBridge.sln not found above the test binaries");
        }
    }

    public static string Datasets
    {
        get
        {
            string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, "..", "shared", "datasets"));
            return Directory.Exists(path)
                ? path
                : throw new DirectoryNotFoundException($"the shared datasets are expected at {path} (shared/ beside the checkout)");
        }
    }

    public static string PyTorchRuns => System.IO.Path.Combine(Datasets, "pytorch-runs");

    public static string ReferenceRecords => System.IO.Path.Combine(Datasets, "reference-records");
}
