namespace TbBridge.Analysis.Tests.Support;

/// <summary>
/// A healthy-looking training run fed point by point: per-step loss/lr/grad norm, per-parameter gradient norms every
/// 10 steps, histograms and held-out loss every 20. Hooks let a test change one signal to inject a fault.
/// </summary>
public sealed class HealthyRun
{
    public int Seed { get; init; } = 1;

    public long Steps { get; init; } = 1000;

    public double StartLoss { get; init; } = 2.3;

    public double FloorLoss { get; init; } = 0.05;

    public double Tau { get; init; } = 120;

    public double Noise { get; init; } = 0.25;

    /// <summary>Learning rate at a step (default constant 0.01).</summary>
    public Func<long, double> Lr { get; init; } = _ => 0.01;

    /// <summary>Optional change of the training loss: (step, healthy value) → value.</summary>
    public Func<long, double, double>? TrainLoss { get; init; }

    /// <summary>Optional change of the global gradient norm.</summary>
    public Func<long, double, double>? GradNorm { get; init; }

    /// <summary>Held-out loss as a function of step and the noise-free training curve (default: 1.3x the curve, plus 0.05).</summary>
    public Func<long, double, double>? ValLoss { get; init; }

    public string[] Layers { get; init; } = ["conv1", "conv2", "fc1", "fc2"];

    /// <summary>Gradient RMS of a layer at a step (default about 1e-3, a little smaller for earlier layers).</summary>
    public Func<int, long, double>? LayerGradRms { get; init; }

    /// <summary>Fraction of zero activations of a layer at a step (default about 0.5).</summary>
    public Func<int, long, double>? ZeroFraction { get; init; }

    /// <summary>Optional predictions histogram at a step.</summary>
    public Func<long, HistogramSnapshot>? Predictions { get; init; }

    /// <summary>Weight RMS drift per step (default 1e-4 relative).</summary>
    public double WeightDrift { get; init; } = 1e-4;

    public string TrainLossTag { get; init; } = "train/loss";

    public string ValLossTag { get; init; } = "val/loss";

    public int ValEvery { get; init; } = 20;

    public RunAnalyzer Feed(RunAnalyzer a, bool complete = true)
    {
        var rng = new Random(Seed);
        for (long step = 0; step < Steps; step++)
        {
            var wall = 1_700_000_000 + (step * 0.1);
            var clean = FloorLoss + ((StartLoss - FloorLoss) * Math.Exp(-step / Tau));
            var loss = clean * Math.Exp(Noise * Synthetic.Normal(rng));
            loss = TrainLoss?.Invoke(step, loss) ?? loss;
            a.ObserveScalar(TrainLossTag, step, wall, loss);
            a.ObserveScalar("train/lr", step, wall, Lr(step));
            var grad = 0.5 * Math.Exp(0.3 * Synthetic.Normal(rng));
            grad = GradNorm?.Invoke(step, grad) ?? grad;
            a.ObserveScalar("grad_norm/total", step, wall, grad);
            if (step % 10 == 0)
            {
                for (var i = 0; i < Layers.Length; i++)
                {
                    var rms = LayerGradRms?.Invoke(i, step) ?? 1e-3 * (0.5 + (0.5 * i)) * Math.Exp(0.2 * Synthetic.Normal(rng));
                    a.ObserveScalar($"grad_norm/{Layers[i]}.weight", step, wall, rms * 32);
                }
            }

            if (step % ValEvery == 0)
            {
                var val = ValLoss?.Invoke(step, clean) ?? ((1.3 * clean) + 0.05) * Math.Exp(0.02 * Synthetic.Normal(rng));
                a.ObserveScalar(ValLossTag, step, wall, val);
                a.ObserveScalar("val/accuracy", step, wall, Math.Clamp(1 - (val / StartLoss), 0, 1));
                a.ObserveHistogram("val/predictions", step, wall, Predictions?.Invoke(step) ?? Synthetic.Predictions(250, 260, 240, 274));
                for (var i = 0; i < Layers.Length; i++)
                {
                    var rms = LayerGradRms?.Invoke(i, step) ?? 1e-3 * (0.5 + (0.5 * i));
                    a.ObserveHistogram($"grads/{Layers[i]}.weight", step, wall, Synthetic.Tensor(rms));
                    a.ObserveHistogram($"weights/{Layers[i]}.weight", step, wall, Synthetic.Tensor(0.1 * (1 + (WeightDrift * step))));
                    a.ObserveHistogram($"activations/{Layers[i]}", step, wall, Synthetic.ReluActivations(ZeroFraction?.Invoke(i, step) ?? 0.5));
                }
            }
        }

        if (complete)
        {
            a.Complete();
        }

        return a;
    }
}
