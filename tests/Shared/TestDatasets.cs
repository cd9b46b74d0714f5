using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace TbBridge.Testing;

/// <summary>
/// The datasets the tests read, carried in the repository as tests/Fixtures/datasets.tar.br (a tar compressed with
/// Brotli, both read by the base library; <c>eng/pack-test-datasets.sh</c> makes it) and unpacked once per fixture
/// content into artifacts/test-datasets/&lt;hash&gt;. Test projects run in parallel processes: each unpacks into a
/// folder of its own and renames it into place, so a reader only ever sees a complete folder, and the loser of a race
/// deletes its copy.
/// </summary>
internal static class TestDatasets
{
    public const string FixturePath = "tests/Fixtures/datasets.tar.br";

    private static readonly Lazy<string> s_folder = new(Unpack, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Folder => s_folder.Value;

    private static string Unpack()
    {
        string fixture = System.IO.Path.Combine(RepoPaths.Root, FixturePath);
        if (!File.Exists(fixture))
        {
            throw new FileNotFoundException($"the test datasets fixture is missing: {fixture}", fixture);
        }

        string hash;
        using (var stream = File.OpenRead(fixture))
        {
            hash = Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
        }

        string parent = System.IO.Path.Combine(RepoPaths.Root, "artifacts", "test-datasets");
        string target = System.IO.Path.Combine(parent, hash);
        if (Directory.Exists(target))
        {
            return target;
        }

        Directory.CreateDirectory(parent);
        string scratch = System.IO.Path.Combine(parent, $".{hash}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            using (var file = File.OpenRead(fixture))
            using (var brotli = new BrotliStream(file, CompressionMode.Decompress))
            {
                Directory.CreateDirectory(scratch);
                TarFile.ExtractToDirectory(brotli, scratch, overwriteFiles: false);
            }

            Directory.Move(scratch, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another test process renamed its complete copy into place first.
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        return target;
    }
}
