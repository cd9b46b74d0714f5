// The framework that says once, in the default dotnet test output, why the foreign-writer test skips where
// libtorch cannot load (linked from the TorchSharp tests: Infrastructure/TorchTestFramework.cs).
[assembly: TestFramework("TbBridge.TorchSharp.Tests.Support.TorchTestFramework", "TbBridge.Server.Tests")]
