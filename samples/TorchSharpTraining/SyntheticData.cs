using static TorchSharp.torch;

namespace TorchSharpTraining;

/// <summary>
/// Four Gaussian clusters in 20 dimensions, made from a seed: a training set and a validation set
/// drawn from the same distribution. No downloads.
/// </summary>
internal sealed class SyntheticData : IDisposable
{
    public const int Features = 20;
    public const int Classes = 4;

    public SyntheticData(int seed, int trainSamples, int validationSamples = 1024)
    {
        manual_seed(seed);
        using var centers = randn(Classes, Features) * 0.3;
        (TrainInputs, TrainLabels) = Draw(centers, trainSamples);
        (ValidationInputs, ValidationLabels) = Draw(centers, validationSamples);
    }

    public Tensor TrainInputs { get; }

    public Tensor TrainLabels { get; }

    public Tensor ValidationInputs { get; }

    public Tensor ValidationLabels { get; }

    /// <summary>Training batch <paramref name="step"/>, cycling through the training set (views, no copies).</summary>
    public (Tensor Inputs, Tensor Labels) Batch(long step, int batchSize)
    {
        long size = Math.Min(batchSize, TrainInputs.shape[0]);
        long batches = TrainInputs.shape[0] / size;
        long start = step % batches * size;
        return (TrainInputs.narrow(0, start, size), TrainLabels.narrow(0, start, size));
    }

    public void Dispose()
    {
        TrainInputs.Dispose();
        TrainLabels.Dispose();
        ValidationInputs.Dispose();
        ValidationLabels.Dispose();
    }

    private static (Tensor Inputs, Tensor Labels) Draw(Tensor centers, int samples)
    {
        var labels = randint(Classes, [samples]);
        var inputs = centers.index_select(0, labels) + randn(samples, Features);
        return (inputs, labels);
    }
}
