using TbBridge.Cli;

return await TbBridgeCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
