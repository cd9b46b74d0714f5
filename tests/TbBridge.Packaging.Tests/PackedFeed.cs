using System.Text.RegularExpressions;

using TbBridge.Testing;

namespace TbBridge.Packaging.Tests;

/// <summary>
/// Packs the repository once (Release, into a temp folder) and hands out a NuGet configuration that sees only
/// that folder and the machine's package cache as sources, with a packages folder of its own, so a consumer
/// restores exactly these packages, never a copy cached by an earlier run, and needs no network.
/// </summary>
public sealed partial class PackedFeed : IAsyncLifetime
{
    /// <summary>Every packable project: the four libraries and the tool.</summary>
    public static readonly string[] PackableProjects = ["TbBridge.Events", "TbBridge.Client", "TbBridge.Analysis", "TbBridge.TorchSharp", "TbBridge.Cli"];

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "tbbridge-packaging", Guid.NewGuid().ToString("N"));

    public string Packages => Path.Combine(Root, "packages");

    public string NuGetConfig => Path.Combine(Root, "nuget.config");

    public string Version { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Packages);
        foreach (string project in PackableProjects)
        {
            // What `dotnet pack TbBridge.sln` packs, one project at a time: only these build, not the tests.
            var (code, output) = await DotnetProcess.RunAsync(DotnetProcess.Dotnet, RepoPaths.Root, "pack", Path.Combine("src", project), "-c", "Release", "-o", Packages, "--nologo");
            Assert.True(code == 0, $"dotnet pack src/{project} failed:\n{output}");
        }

        string client = Directory.GetFiles(Packages, "TbBridge.Client.*.nupkg").Single(f => !f.EndsWith(".snupkg", StringComparison.Ordinal));
        Version = VersionOf().Match(Path.GetFileName(client)).Groups[1].Value;

        var (_, cache) = await DotnetProcess.RunAsync(DotnetProcess.Dotnet, Root, "nuget", "locals", "global-packages", "--list");
        string machineCache = cache.Trim().Split(':', 2)[1].Trim();
        await File.WriteAllTextAsync(NuGetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Root, "restored")}" />
              </config>
              <packageSources>
                <clear />
                <add key="tbbridge" value="{Packages}" />
                <add key="machine-cache" value="{machineCache}" />
              </packageSources>
            </configuration>
            """);
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [GeneratedRegex(@"^TbBridge\.Client\.(.+)\.nupkg$")]
    private static partial Regex VersionOf();
}
