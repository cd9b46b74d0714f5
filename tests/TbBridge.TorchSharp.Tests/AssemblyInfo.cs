// The framework that says once why the libtorch tests skip (Support/TorchTestFramework.cs).
[assembly: TestFramework("TbBridge.TorchSharp.Tests.Support.TorchTestFramework", "TbBridge.TorchSharp.Tests")]

// Seeded runs (manual_seed, then a model and its data) share libtorch's one global generator: tests running side by
// side would draw from it in between and get another model. They run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
