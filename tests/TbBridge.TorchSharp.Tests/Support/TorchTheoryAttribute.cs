namespace TbBridge.TorchSharp.Tests.Support;

/// <summary>A theory that needs libtorch: skips outside CI where libtorch cannot load (see <see cref="TorchFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class TorchTheoryAttribute : TheoryAttribute
{
    public TorchTheoryAttribute()
    {
        Skip = LibTorch.SkipReason;
    }
}
