namespace TbBridge.Client.Tests.Support;

/// <summary>Finds ../shared/datasets beside the checkout. In CI its absence fails the test; elsewhere it is named.</summary>
public static class SharedData
{
    public static string Datasets
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "TbBridge.sln")))
            {
                dir = dir.Parent;
            }

            string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(
                dir?.FullName ?? throw new InvalidOperationException("TbBridge.sln not found above the test binaries"),
                "..", "shared", "datasets"));
            if (!Directory.Exists(path))
            {
                throw new DirectoryNotFoundException($"the shared datasets are expected at {path} (shared/ beside the checkout)");
            }

            return path;
        }
    }

    public static string PyTorchRuns => System.IO.Path.Combine(Datasets, "pytorch-runs");

    public static string ReferenceRecords => System.IO.Path.Combine(Datasets, "reference-records");
}
