using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Tests.Support;

/// <summary>
/// A GRU over the inputs read as <c>steps</c> steps, its last hidden state into a linear head: parameters
/// <c>gru.weight_ih_l0</c>, <c>gru.weight_hh_l0</c>, ..., <c>head.weight</c>, and no activation module to hook.
/// </summary>
internal sealed class TinyGru : nn.Module<Tensor, Tensor>
{
    private readonly long _steps;
    private readonly GRU gru;
    private readonly Linear head;

    public TinyGru(long inputs, long steps, long hidden, long classes)
        : base(nameof(TinyGru))
    {
        _steps = steps;
        gru = nn.GRU(inputs / steps, hidden, batchFirst: true);
        head = nn.Linear(hidden, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (output, _) = gru.call(input.view(input.shape[0], _steps, -1), null);
        return head.call(output.select(1, _steps - 1)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            gru.Dispose();
            head.Dispose();
        }

        base.Dispose(disposing);
    }
}
