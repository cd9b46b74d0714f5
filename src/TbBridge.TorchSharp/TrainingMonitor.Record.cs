using TbBridge.TorchSharp.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp;

public sealed partial class TrainingMonitor
{
    /// <summary>
    /// Queues every reduction of this step on the device, brings them over in one copy, then logs them.
    /// The order in which parts are added is the order in which they are read back.
    /// </summary>
    private void Record(long step, bool scalars, bool histograms, Tensor? lossTensor, double? lossValue, ReadOnlySpan<(ActivationProbe Probe, Tensor Output)> activations)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parts = new List<Tensor>();

        var grads = new List<(string Name, Tensor Value, Tensor Grad)>(_parameters.Length);
        foreach (var (name, value) in _parameters)
        {
            if (value.grad is { } grad)
            {
                grads.Add((name, value, grad));
            }
        }

        bool logLossTensor = scalars && lossTensor is not null;
        if (logLossTensor)
        {
            parts.Add(lossTensor!.detach().reshape(1));
        }

        bool logNorms = scalars && grads.Count > 0;
        if (logNorms)
        {
            // Norms are reductions: no temporary the size of a parameter.
            var norms = stack(grads.Select(g => linalg.vector_norm(g.Grad).to_type(ScalarType.Float64)));
            parts.Add(norms);
            parts.Add(norms.square().sum().sqrt().reshape(1));
        }

        bool logRatios = histograms && _options.UpdateRatios && _previous is not null;
        if (logRatios)
        {
            // ‖W_prev‖, then W_prev − W in place (the copy is refreshed right after this step) and its norm.
            parts.Add(stack(_previous!.Select(prev => linalg.vector_norm(prev).to_type(ScalarType.Float64))));
            for (int i = 0; i < _parameters.Length; i++)
            {
                _previous![i].sub_(_parameters[i].Value);
            }

            parts.Add(stack(_previous!.Select(diff => linalg.vector_norm(diff).to_type(ScalarType.Float64))));
        }

        bool logActivations = histograms && activations.Length > 0;
        if (logActivations)
        {
            foreach (var (probe, output) in activations)
            {
                parts.Add(ActivationHealth(probe.Kind, output));
            }
        }

        // Histograms: reduced on the device (packed into the one copy), or, for CPU float tensors, read in
        // place by the writer's span overload after the copy.
        var histogramTensors = new List<(string Tag, Tensor Values, bool Packed)>();
        if (histograms && _options.WeightHistograms)
        {
            histogramTensors.AddRange(_parameters.Select(p => (TrainingTags.Weights(p.Name), (Tensor)p.Value, false)));
        }

        if (histograms && _options.GradientHistograms)
        {
            histogramTensors.AddRange(grads.Select(g => (TrainingTags.Gradients(g.Name), g.Grad, false)));
        }

        if (logActivations)
        {
            foreach (var (probe, output) in activations)
            {
                histogramTensors.Add((TrainingTags.Activations(probe.Name), output, false));
            }
        }

        for (int i = 0; i < histogramTensors.Count; i++)
        {
            var (tag, values, _) = histogramTensors[i];
            if (!HostValues.Applies(values))
            {
                parts.Add(Pack(values));
                histogramTensors[i] = (tag, values, true);
            }
        }

        // The one device-to-host copy of the step.
        double[] host = DeviceGather.ToHost(parts);
        var read = new Reader(host);
        double wallTime = _stopProbe is null ? 0 : _options.Watchdog!.Now();

        if (scalars)
        {
            if (logLossTensor)
            {
                Scalar(TrainingTags.Loss, read.Next(), step, wallTime);
            }
            else if (lossValue is { } loss)
            {
                Scalar(TrainingTags.Loss, loss, step, wallTime);
            }

            LogLearningRates(step, wallTime);
        }

        if (logNorms)
        {
            var norms = read.Take(grads.Count);
            for (int i = 0; i < grads.Count; i++)
            {
                Scalar(TrainingTags.GradNorm(grads[i].Name), norms[i], step, wallTime);
            }

            Scalar(TrainingTags.GradNormTotal, read.Next(), step, wallTime);
        }

        if (logRatios)
        {
            var previous = read.Take(_parameters.Length);
            var diffs = read.Take(_parameters.Length);
            for (int i = 0; i < _parameters.Length; i++)
            {
                // A parameter that was all zeros has no ratio to speak of (0/0): leave it out.
                if (previous[i] > 0)
                {
                    Scalar(TrainingTags.UpdateRatio(_parameters[i].Name), diffs[i] / previous[i], step, wallTime);
                }
            }
        }

        if (logActivations)
        {
            foreach (var (probe, _) in activations)
            {
                var health = read.Take(HealthLength(probe.Kind));
                if (probe.Kind == ActivationKind.Rectifier)
                {
                    Scalar(TrainingTags.ZeroFraction(probe.Name), health[0], step, wallTime);
                    Scalar(TrainingTags.DeadFraction(probe.Name), health[1], step, wallTime);
                }
                else
                {
                    Scalar(TrainingTags.SaturatedFraction(probe.Name), health[0], step, wallTime);
                }
            }
        }

        var onHost = new List<(string Tag, Tensor Values)>();
        foreach (var (tag, values, packed) in histogramTensors)
        {
            if (packed)
            {
                var histogram = read.Histogram();
                _writer.AddHistogramRaw(tag, histogram, step);
                _stopProbe?.ObserveHistogram(tag, step, wallTime, histogram);
            }
            else
            {
                onHost.Add((tag, values));
            }
        }

        HostValues.AddHistograms(_writer, onHost, step);
    }

    private void LogLearningRates(long step, double wallTime)
    {
        if (_optimizer is null)
        {
            return;
        }

        var groups = _optimizer.ParamGroups.ToArray();
        if (groups.Length == 1)
        {
            Scalar(TrainingTags.LearningRate, groups[0].LearningRate, step, wallTime);
            return;
        }

        for (int i = 0; i < groups.Length; i++)
        {
            Scalar(TrainingTags.LearningRateOfGroup(i), groups[i].LearningRate, step, wallTime);
        }
    }

    /// <summary>
    /// Logs one scalar, and hands it to the watchdog's stop decision on this thread (see <see cref="StopProbe"/>): the
    /// writer's loop would see it only milliseconds, or steps, later.
    /// </summary>
    private void Scalar(string tag, double value, long step, double wallTime)
    {
        _writer.AddScalar(tag, value, step);
        _stopProbe?.ObserveScalar(tag, step, wallTime, value);
    }

    private static int HealthLength(ActivationKind kind) => kind == ActivationKind.Rectifier ? 2 : 1;

    /// <summary>
    /// Rectifiers: [share of outputs exactly zero, share of units zero for the whole batch] (a unit is one
    /// position of the non-batch dimensions). Sigmoid and tanh: [share of outputs within the margin of a bound].
    /// </summary>
    private Tensor ActivationHealth(ActivationKind kind, Tensor output)
    {
        double count = Math.Max(1, output.numel());
        double margin = _options.SaturationMargin;
        switch (kind)
        {
            case ActivationKind.Rectifier:
                var zero = output.eq(0);
                var units = output.dim() >= 2 ? zero.reshape(output.shape[0], -1) : zero.reshape(-1, 1);
                var dead = units.all(0, keepdim: false).sum(ScalarType.Float64) / Math.Max(1, units.shape[1]);
                return stack([zero.sum(ScalarType.Float64) / count, dead]);
            case ActivationKind.Sigmoid:
                return (output.lt(margin).logical_or_(output.gt(1 - margin)).sum(ScalarType.Float64) / count).reshape(1);
            default:
                return (output.abs().gt(1 - margin).sum(ScalarType.Float64) / count).reshape(1);
        }
    }

    private static Tensor Pack(Tensor values) => TensorHistogramKernel.Pack(values, LimitsCache.Default(values.device));

    /// <summary>Walks the host copy in the order the parts were added.</summary>
    private sealed class Reader(double[] host)
    {
        private int _position;

        public double Next() => host[_position++];

        public ReadOnlySpan<double> Take(int count)
        {
            var span = host.AsSpan(_position, count);
            _position += count;
            return span;
        }

        public HistogramData Histogram()
        {
            var limits = HistogramBuckets.DefaultLimits;
            var result = TensorHistogramKernel.Unpack(Take(limits.Length + TensorHistogramKernel.StatCount), limits.Length);
            return TensorHistogram.ToHistogramData(limits, result);
        }
    }
}
