using TbBridge.Events;

using TbBridge.Testing;

namespace TbBridge.Packaging.Tests;

/// <summary>
/// What a user outside this repository gets: the packed libraries restored from a local folder by a fresh
/// console project (no project reference), every C# block of the READMEs building against them, the logger
/// snippet logging a run that reads back, and the packed tool inspecting that run.
/// </summary>
public sealed class PackagesTests : IClassFixture<PackedFeed>
{
    private readonly PackedFeed _feed;

    public PackagesTests(PackedFeed feed)
    {
        _feed = feed;
    }

    [Fact]
    public void Pack_ProducesTheFourLibrariesAndTheTool_WithSymbolsAndTheirMetadata()
    {
        foreach (string id in PackedFeed.PackableProjects)
        {
            Assert.True(File.Exists(Path.Combine(_feed.Packages, $"{id}.{_feed.Version}.nupkg")), $"{id} was not packed");
            Assert.True(File.Exists(Path.Combine(_feed.Packages, $"{id}.{_feed.Version}.snupkg")), $"{id} has no symbols package");
            string nuspec = Nuspec(id);
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec, StringComparison.Ordinal);
            Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
            Assert.Contains("<description>", nuspec, StringComparison.Ordinal);
            Assert.Contains("<repository type=\"git\"", nuspec, StringComparison.Ordinal);
        }

        Assert.Contains("<packageType name=\"DotnetTool\" />", Nuspec("TbBridge.Cli"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadmeSnippets_BuildAgainstThePackages_TheLoggerLogsARunThatReadsBack_AndTheToolInspectsIt()
    {
        string app = Path.Combine(_feed.Root, "readme-app");
        Directory.CreateDirectory(app);
        var blocks = ReadmeSnippet.Blocks(Path.Combine(RepoPaths.Root, "README.md"))
            .Concat(ReadmeSnippet.Blocks(Path.Combine(RepoPaths.Root, "src", "TbBridge.TorchSharp", "README.md")))
            .ToList();
        Assert.True(blocks.Count >= 4, $"expected the READMEs' C# blocks, found {blocks.Count}");
        ReadmeSnippet.WriteProgram(app, blocks, Path.Combine(AppContext.BaseDirectory, "Snippets", "Givens.cs"));
        await File.WriteAllTextAsync(Path.Combine(app, "readme-app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestoreConfigFile>{_feed.NuGetConfig}</RestoreConfigFile>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TbBridge.Client" Version="{_feed.Version}" />
                <PackageReference Include="TbBridge.TorchSharp" Version="{_feed.Version}" />
              </ItemGroup>
            </Project>
            """);

        var build = await DotnetProcess.RunAsync(DotnetProcess.Dotnet, app, "build", "--nologo", "-v", "quiet");
        Assert.True(build.ExitCode == 0, "the README's C# blocks do not build against the packages:\n" + build.Output + "\n" + await File.ReadAllTextAsync(Path.Combine(app, "Snippets.cs")));

        int logger = blocks.FindIndex(b => b.Contains("new SummaryWriter(\"runs/exp1\")", StringComparison.Ordinal) && !b.Contains("Sinks", StringComparison.Ordinal));
        Assert.True(logger >= 0, "the README's logger snippet was not found");
        var run = await DotnetProcess.RunAsync(DotnetProcess.Dotnet, app, "run", "--no-build", "--", logger.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == 0, "the logger snippet failed:\n" + run.Output);

        string runDir = Path.Combine(app, "runs", "exp1");
        var values = LogDirectory.DiscoverRuns(runDir).SelectMany(r => RunReader.ReadRun(r)).SelectMany(e => e.Values.Select(v => (e.Step, v))).ToList();
        Assert.Equal(1000, values.Count(p => p.v.Tag == "train/loss" && p.v.Kind == ValueKind.Scalar));
        Assert.Equal(10, values.Count(p => p.v.Tag == "weights/fc1.weight" && p.v.Kind == ValueKind.Histogram));
        Assert.Equal(10, values.Count(p => p.v.Tag == "notes/text_summary" && p.v.Kind == ValueKind.Text));
        Assert.Contains(values, p => p.v.PluginName == "hparams");

        string tools = Path.Combine(_feed.Root, "tools");
        var install = await DotnetProcess.RunAsync(DotnetProcess.Dotnet, _feed.Root, "tool", "install", "TbBridge.Cli", "--tool-path", tools, "--version", _feed.Version, "--configfile", _feed.NuGetConfig);
        Assert.True(install.ExitCode == 0, "dotnet tool install failed:\n" + install.Output);
        var inspect = await DotnetProcess.RunAsync(Path.Combine(tools, "tbbridge"), app, "inspect", runDir, "--json");
        Assert.True(inspect.ExitCode == 0, "tbbridge inspect failed:\n" + inspect.Output);
        Assert.Contains("\"tag\":\"train/loss\",\"kind\":\"scalar\",\"count\":1000", inspect.Output, StringComparison.Ordinal);
    }

    private string Nuspec(string id)
    {
        using var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(_feed.Packages, $"{id}.{_feed.Version}.nupkg"));
        using var reader = new StreamReader(package.GetEntry($"{id}.nuspec")!.Open());
        return reader.ReadToEnd();
    }
}
