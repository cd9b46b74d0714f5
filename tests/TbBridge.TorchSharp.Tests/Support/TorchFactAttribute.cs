namespace TbBridge.TorchSharp.Tests.Support;

/// <summary>
/// A fact that needs libtorch. Outside CI it skips, saying why, where libtorch cannot load (TorchSharp
/// 0.107.0 needs libstdc++ with GLIBCXX_3.4.32: Debian 13, Ubuntu 24.04 or newer). Under CI (env
/// <c>CI=true</c>) it never skips: it runs, and fails loudly if libtorch is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class TorchFactAttribute : FactAttribute
{
    public TorchFactAttribute()
    {
        Skip = LibTorch.SkipReason;
    }
}
