namespace TbBridge.Cli.Tests;

internal static class TestPaths
{
    public static string Datasets
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TbBridge.sln")))
            {
                dir = dir.Parent;
            }

            string path = Path.GetFullPath(Path.Combine(dir?.FullName ?? throw new InvalidOperationException("TbBridge.sln not found"), "..", "shared", "datasets"));
            return Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"the shared datasets are expected at {path}");
        }
    }

    public static string PyTorchRuns => Path.Combine(Datasets, "pytorch-runs");

    public static string ReferenceRecords => Path.Combine(Datasets, "reference-records");
}
