using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Internal;

/// <summary>
/// A forward hook on one activation module that keeps its last training-mode output (a detached alias:
/// no copy, no computation on the hot path) for the monitor to reduce at its next step.
/// </summary>
internal sealed class ActivationProbe : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover _hook;
    private Tensor? _last;

    private ActivationProbe(string name, ActivationKind kind, nn.Module<Tensor, Tensor> module)
    {
        Name = name;
        Kind = kind;
        _module = module;
        _hook = module.register_forward_hook(OnForward);
    }

    public string Name { get; }

    public ActivationKind Kind { get; }

    /// <summary>A probe for <paramref name="module"/> if it is an activation the monitor knows, else null.</summary>
    public static ActivationProbe? TryAttach(string name, nn.Module module) => module switch
    {
        ReLU or ReLU6 => new ActivationProbe(name, ActivationKind.Rectifier, (nn.Module<Tensor, Tensor>)module),
        Sigmoid => new ActivationProbe(name, ActivationKind.Sigmoid, (nn.Module<Tensor, Tensor>)module),
        Tanh => new ActivationProbe(name, ActivationKind.Tanh, (nn.Module<Tensor, Tensor>)module),
        _ => null,
    };

    /// <summary>The last output kept since the previous call, or null; the caller owns (disposes) it.</summary>
    public Tensor? Take()
    {
        var t = _last;
        _last = null;
        return t;
    }

    public void Dispose()
    {
        _hook.remove();
        _last?.Dispose();
        _last = null;
    }

    private Tensor OnForward(nn.Module<Tensor, Tensor> module, Tensor input, Tensor output)
    {
        if (_module.training)
        {
            _last?.Dispose();
            _last = output.detach().DetachFromDisposeScope();
        }

        return output;
    }
}
