using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace TbBridge.Cli.Internal;

/// <summary>
/// <c>tbbridge --version</c>: this assembly's version (MinVer's, from git: <c>0.1.0-alpha.0.42+&lt;commit&gt;</c>), written
/// where the command writes, whatever process hosts the CLI (System.CommandLine's own reads the entry assembly's).
/// </summary>
internal sealed class VersionAction(CliContext context) : SynchronousCommandLineAction
{
    public static string Version { get; } =
        typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public override int Invoke(ParseResult parseResult)
    {
        context.Out.WriteLine(Version);
        return ExitCodes.Ok;
    }
}
