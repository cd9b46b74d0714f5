namespace TbBridge.Analysis.Tests.Support;

/// <summary>
/// A Keras-style fit: per epoch, <c>epoch_loss</c>/<c>epoch_accuracy</c> in the <c>train</c> sub-run and in the
/// <c>validation</c> sub-run (the same tags), optionally <c>epoch_learning_rate</c>, and optionally <c>batch_loss</c>
/// on the batch axis as Keras writes it: the running mean since the epoch began. Seeded multiplicative noise.
/// </summary>
public sealed class EpochFit
{
    public static readonly SubRun Train = new("fit/train", "train", SubRunRole.Training);
    public static readonly SubRun Validation = new("fit/validation", "validation", SubRunRole.HeldOut);

    public int Seed { get; init; } = 1;

    public int Epochs { get; init; } = 40;

    /// <summary>The noise-free per-batch training loss at a fractional epoch (default: a fast exponential decay to 0.03).</summary>
    public Func<double, double> TrainLoss { get; init; } = e => 0.03 + (1.3 * Math.Exp(-e / 3));

    public Func<int, double>? ValLoss { get; init; }

    public Func<int, double>? TrainAccuracy { get; init; }

    public Func<int, double>? ValAccuracy { get; init; }

    public Func<int, double>? LearningRate { get; init; }

    /// <summary>Log-space noise of one batch's loss.</summary>
    public double Noise { get; init; } = 0.2;

    public int BatchesPerEpoch { get; init; } = 20;

    /// <summary>Validate every this many epochs (at the end of epochs freq-1, 2*freq-1, ...).</summary>
    public int ValidationFreq { get; init; } = 1;

    /// <summary>Write <c>batch_loss</c> every this many batches (0: none, as with update_freq "epoch").</summary>
    public int UpdateFreq { get; init; }

    public RunAnalyzer Feed(RunAnalyzer a, bool complete = true)
    {
        var rng = new Random(Seed);
        long batch = 0;
        for (var e = 0; e < Epochs; e++)
        {
            double sum = 0;
            for (var b = 0; b < BatchesPerEpoch; b++)
            {
                batch++;
                sum += TrainLoss(e + ((b + 0.5) / BatchesPerEpoch)) * Math.Exp(Noise * Synthetic.Normal(rng));
                if (UpdateFreq > 0 && batch % UpdateFreq == 0)
                {
                    a.ObserveScalar(Train, "batch_loss", batch, (e * 10) + (b * 0.1), sum / (b + 1));
                }
            }

            var wall = (e * 10) + 9;
            a.ObserveScalar(Train, "epoch_loss", e, wall, sum / BatchesPerEpoch);
            if (TrainAccuracy is { } ta)
            {
                a.ObserveScalar(Train, "epoch_accuracy", e, wall, ta(e));
            }

            if (LearningRate is { } lr)
            {
                a.ObserveScalar(Train, "epoch_learning_rate", e, wall, lr(e));
            }

            if ((e + 1) % ValidationFreq != 0)
            {
                continue;
            }

            if (ValLoss is { } vl)
            {
                a.ObserveScalar(Validation, "epoch_loss", e, wall + 0.5, vl(e) * Math.Exp(0.01 * Synthetic.Normal(rng)));
            }

            if (ValAccuracy is { } va)
            {
                a.ObserveScalar(Validation, "epoch_accuracy", e, wall + 0.5, va(e));
            }
        }

        if (complete)
        {
            a.Complete();
        }

        return a;
    }
}
