using System.Security.Cryptography;
using Grpc.Net.Client;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>A second service on a live service's data directory refuses to start, in one line, and touches nothing.</summary>
public sealed class DataDirectoryLockTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Start_SecondServiceOnTheSameDataDirectory_RefusesInOneLineNamingTheHolderAndChangesNothing()
    {
        using var first = await ChildProcessServer.StartAsync(_data.Path, ChildProcessServer.FreePort());
        using var channel = GrpcChannel.ForAddress(first.Address);
        await using var live = await IngestStream.OpenAsync(channel, "p", "live", "w", "live");
        await live.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await live.WaitAckAsync(1));
        var before = Snapshot();

        var refused = await Assert.ThrowsAsync<ServerExitedException>(() => ChildProcessServer.StartAsync(_data.Path, ChildProcessServer.FreePort()));

        Assert.Equal(1, refused.ExitCode);
        string line = Assert.Single(refused.Stderr);
        Assert.Equal(
            $"tbbridge server: the data directory {_data.Path} is in use by another TbBridge service (pid {first.ProcessId}, holding {Path.Combine(_data.Path, ".tbbridge.lock")}); stop it, or start this one with another --data-dir",
            line);
        Assert.Equal(before, Snapshot());

        // The first goes on as if nothing happened.
        await live.SendAsync(Batches.Numbered(2, 100));
        Assert.True(await live.WaitAckAsync(2));
        await live.CompleteAsync();
        Assert.Null(live.Failure);
        Assert.False(first.HasExited);
        first.Kill();
        Assert.Equal(200, EventFiles.Scalars(_data.Path, "p", "live").Count);

        // Its lock goes with the process, kill -9 included: the next service starts.
        using var next = await ChildProcessServer.StartAsync(_data.Path, ChildProcessServer.FreePort());
        Assert.Equal($"{next.ProcessId}\n", File.ReadAllText(Path.Combine(_data.Path, ".tbbridge.lock")));
    }

    /// <summary>Every file under the data directory and a hash of its bytes.</summary>
    private SortedDictionary<string, string> Snapshot()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(_data.Path, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            files[Path.GetRelativePath(_data.Path, file)] = Convert.ToHexString(SHA256.HashData(stream));
        }

        return files;
    }
}
