namespace TbBridge.Cli.Tests;

internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("tbbridge-cli-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
