using System.CommandLine;
using TbBridge.Cli.Commands;
using TbBridge.Cli.Internal;

namespace TbBridge.Cli;

/// <summary>The <c>tbbridge</c> command line: one subcommand per file under <c>Commands/</c>.</summary>
internal static class TbBridgeCli
{
    /// <summary>
    /// How long a command may take to finish after Ctrl+C or SIGTERM before it is ended with 130 or 143:
    /// <c>upload --follow</c> waits up to 30 s for the service's last acks.
    /// </summary>
    private static readonly TimeSpan ProcessTerminationTimeout = TimeSpan.FromSeconds(45);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var parse = Parse(args, new CliContext(output, error));
        int exitCode = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = ProcessTerminationTimeout }, cancellationToken).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode; // help and the errors are printed; 1 means damaged files here
    }

    /// <summary>The command line, parsed and not run (tests read the values an option gets).</summary>
    public static ParseResult Parse(string[] args, CliContext context)
    {
        var root = new RootCommand("TbBridge: TensorBoard logs, training-problem detection and the TbBridge service.")
        {
            InspectCommand.Create(context),
            AnalyzeCommand.Create(context),
            HealthCommand.Create(context),
            UploadCommand.Create(context),
            AlertsCommand.Create(context),
            RunsCommand.Create(context),
        };

        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new VersionAction(context);
        }

        return root.Parse(args);
    }
}
