using TbBridge.MemoryMeasurements;

// dotnet run --project benchmarks/TbBridge.MemoryMeasurements -p:UseSharedCompilation=false -- watch webhooks
string[] chosen = args.Length == 0 ? ["watch", "webhooks"] : args;
foreach (string name in chosen)
{
    switch (name)
    {
        case "watch":
            Console.WriteLine(await ServiceMemory.WatchHistoryAsync());
            break;
        case "webhooks":
            Console.WriteLine(await ServiceMemory.HangingWebhookAsync());
            break;
        default:
            Console.Error.WriteLine($"unknown measurement '{name}': watch, webhooks");
            return 2;
    }
}

return 0;
