using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp.Tests.Support;

/// <summary>
/// A small MLP (8 → 32 → 32 → 3, ReLU), or with <c>recurrent</c> a GRU reading the 8 inputs as 2 steps of 4
/// (<see cref="TinyGru"/>), and a seeded synthetic 3-class problem they can learn: labels are the argmax of a fixed
/// random projection of the inputs.
/// </summary>
internal sealed class TinyClassifier : IDisposable
{
    private readonly Tensor _inputs;
    private readonly Tensor _labels;
    private readonly Linear? _fc1;

    public TinyClassifier(int seed, int samples = 512, bool recurrent = false)
    {
        manual_seed(seed);
        if (recurrent)
        {
            Model = new TinyGru(inputs: 8, steps: 2, hidden: 16, classes: 3);
        }
        else
        {
            _fc1 = nn.Linear(8, 32);
            Model = nn.Sequential(("fc1", _fc1), ("relu1", nn.ReLU()), ("fc2", nn.Linear(32, 32)), ("relu2", nn.ReLU()), ("out", nn.Linear(32, 3)));
        }

        _inputs = randn(samples, 8);
        using var projection = randn(8, 3);
        _labels = _inputs.matmul(projection).argmax(1);
    }

    /// <summary>The MLP's first layer.</summary>
    public Linear Fc1 => _fc1 ?? throw new InvalidOperationException("The recurrent model has no fc1.");

    public nn.Module<Tensor, Tensor> Model { get; }

    public const int BatchSize = 64;

    /// <summary>Batch <paramref name="step"/> (cycling through the data set): inputs and labels, owned by the caller.</summary>
    public (Tensor Inputs, Tensor Labels) Batch(long step)
    {
        long batches = _inputs.shape[0] / BatchSize;
        long start = step % batches * BatchSize;
        return (_inputs.narrow(0, start, BatchSize), _labels.narrow(0, start, BatchSize));
    }

    /// <summary>
    /// Trains for <paramref name="steps"/> steps with SGD, calling <paramref name="monitor"/> after each
    /// optimizer step. <paramref name="corruptInputs"/> may change a batch (a fault). Returns the last loss.
    /// </summary>
    public double Train(TrainingMonitor monitor, int steps, double learningRate, Func<long, Tensor, Tensor>? corruptInputs = null)
    {
        using var optimizer = optim.SGD(Model.parameters(), learningRate);
        return Train(monitor, optimizer, steps, corruptInputs);
    }

    public double Train(TrainingMonitor monitor, optim.Optimizer optimizer, int steps, Func<long, Tensor, Tensor>? corruptInputs = null)
    {
        double last = double.NaN;
        Model.train();
        for (long step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var (inputs, labels) = Batch(step);
            if (corruptInputs is not null)
            {
                inputs = corruptInputs(step, inputs);
            }

            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(Model.call(inputs), labels);
            loss.backward();
            optimizer.step();
            monitor.Step(step, loss);
            last = loss.item<float>();
        }

        return last;
    }

    public void Dispose()
    {
        Model.Dispose();
        _inputs.Dispose();
        _labels.Dispose();
    }
}
