namespace TbBridge.Testing;

/// <summary>
/// The repository root (found by walking up from the test binaries to TbBridge.sln) and the datasets the tests read
/// (pytorch-runs, keras-runs, reference-records), which the repository carries as one compressed fixture
/// (<see cref="TestDatasets"/>): a fresh clone has everything its tests read.
/// </summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    /// <summary>The unpacked datasets folder (its README.md says what each run is).</summary>
    public static string Datasets => TestDatasets.Folder;

    public static string PyTorchRuns => System.IO.Path.Combine(Datasets, "pytorch-runs");

    public static string KerasRuns => System.IO.Path.Combine(Datasets, "keras-runs");

    public static string ReferenceRecords => System.IO.Path.Combine(Datasets, "reference-records");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "TbBridge.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("TbBridge.sln not found above the test binaries");
    }
}
