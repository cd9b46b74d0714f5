using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/TbBridge.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
