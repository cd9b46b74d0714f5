using System.Reflection;

namespace TbBridge.Cli.Tests;

public class VersionTests
{
    [Fact]
    public async Task Version_PrintsThisBuildsVersionFromGit()
    {
        using var output = new StringWriter();
        string expected = typeof(TbBridgeCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        int exitCode = await TbBridgeCli.RunAsync(["--version"], output, TextWriter.Null);

        Assert.Equal(0, exitCode);
        Assert.Equal(expected, output.ToString().Trim());
        Assert.NotEqual("0.1.0", expected.Split('+')[0]); // no longer one version for every commit (MinVer: 0.1.0-alpha.0.<height> before a tag)
    }
}
