namespace TbBridge.Cli.Internal;

/// <summary>What a command says of a log directory that holds no run (a typo, or a job that has not started).</summary>
internal static class EmptyLogDirectory
{
    public static string Message(string command, string path) =>
        $"tbbridge {command}: no runs under {path}: no file named like events.out.tfevents.* in it or below it (is this the directory passed to the writer or TensorBoard's --logdir?)";
}
