using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchSharpTraining;

/// <summary>
/// The 20 features read as a sequence of 5 steps of 4 values by a GRU; its last hidden state goes through
/// <c>head</c> (parameters <c>gru.weight_ih_l0</c>, ..., <c>head.fc1.weight</c>, ...).
/// </summary>
internal sealed class GruClassifier : nn.Module<Tensor, Tensor>
{
    private const int SequenceLength = 5;
    private const int StepWidth = SyntheticData.Features / SequenceLength;

    private readonly GRU gru;
    private readonly nn.Module<Tensor, Tensor> head;

    public GruClassifier(int hidden, nn.Module<Tensor, Tensor> head)
        : base(nameof(GruClassifier))
    {
        gru = nn.GRU(StepWidth, hidden, batchFirst: true);
        this.head = head;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (output, _) = gru.call(input.view(-1, SequenceLength, StepWidth), null);
        return head.call(output.select(1, SequenceLength - 1)).MoveToOuterDisposeScope();
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
