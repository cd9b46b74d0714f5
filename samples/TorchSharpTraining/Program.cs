using TbBridge.Analysis;
using TorchSharpTraining;

// dotnet run --project samples/TorchSharpTraining -- --fault dead-relu
// (on Debian 12, inside the Debian 13 userland: eng/in-trixie.sh dotnet run --project samples/TorchSharpTraining -- ...)
SampleOptions? options;
try
{
    options = SampleOptions.Parse(args, Console.Error);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"TorchSharpTraining: {e.Message} (--help lists the options)");
    return 2;
}

if (options is null)
{
    return 0;
}

if (LibTorchCheck.Problem() is { } problem)
{
    Console.Error.WriteLine($"TorchSharpTraining: {problem}");
    return 3;
}

Console.WriteLine(options.Fault is { } f ? $"fault: {f.Name}: {f.Description}" : "healthy run (no fault)");
var alerts = await new Trainer(options, Console.Out).RunAsync();

var named = alerts.Where(a => a.Severity >= AlertSeverity.Warning).Select(a => a.Kind).Distinct().ToArray();
Console.WriteLine($"watchdog: {(named.Length == 0 ? "no warning" : string.Join(", ", named))}");
if (options.Fault is { } fault)
{
    bool caught = fault.ExpectedKinds.Any(named.Contains);
    Console.WriteLine(caught
        ? $"the watchdog named the fault ({string.Join(" or ", fault.ExpectedKinds)})"
        : $"NOT caught: expected {string.Join(" or ", fault.ExpectedKinds)}");
    return caught ? 0 : 1;
}

return named.Length == 0 ? 0 : 1;
