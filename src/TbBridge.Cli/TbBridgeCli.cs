using System.CommandLine;
using TbBridge.Cli.Commands;

namespace TbBridge.Cli;

/// <summary>The <c>tbbridge</c> command line: one subcommand per file under <c>Commands/</c>.</summary>
internal static class TbBridgeCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(output, error);
        var root = new RootCommand("TbBridge: TensorBoard logs, training-problem detection and the TbBridge service.")
        {
            InspectCommand.Create(context),
            AnalyzeCommand.Create(context),
            HealthCommand.Create(context),
            UploadCommand.Create(context),
            AlertsCommand.Create(context),
        };

        var parse = root.Parse(args);
        int exitCode = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode; // help and the errors are printed; 1 means damaged files here
    }
}
