using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/TbBridge.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(TbBridge.Benchmarks.AnalysisBenchmarks).Assembly).Run(args);
