using TbBridge.TorchSharp.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TbBridge.TorchSharp;

/// <summary>
/// One call per training step logs what is needed to see, and to detect, what goes wrong: loss, learning
/// rates, per-parameter and global gradient norms, update-to-weight ratios, weight/gradient/activation
/// histograms and activation health, under <see cref="TrainingTags"/>. Everything is reduced on the model's
/// device and comes to the host in one copy per step.
/// </summary>
/// <remarks>
/// Call <see cref="Step(long, Tensor)"/> after <c>optimizer.step()</c> and before the next <c>zero_grad()</c>, on
/// the training thread: the gradients are still there and the weights are updated. Not thread-safe.
/// Dispose it to remove the forward hooks and free the kept tensors.
/// </remarks>
public sealed partial class TrainingMonitor : IDisposable
{
    private readonly SummaryWriter _writer;
    private readonly optim.Optimizer? _optimizer;
    private readonly TrainingMonitorOptions _options;
    private readonly (string Name, Parameter Value)[] _parameters;
    private readonly ActivationProbe[] _probes;
    private readonly StopProbe? _stopProbe;
    private Tensor[]? _previous;
    private long? _lastStep;
    private bool _disposed;

    /// <summary>Monitors <paramref name="model"/>, logging to <paramref name="writer"/>.</summary>
    /// <param name="writer">Where to log; the monitor does not own it.</param>
    /// <param name="model">The model: its trainable parameters are read, its activation modules hooked.</param>
    /// <param name="optimizer">Where learning rates come from; null logs none.</param>
    /// <param name="options">Cadences and what to log; defaults when null.</param>
    public TrainingMonitor(SummaryWriter writer, nn.Module model, optim.Optimizer? optimizer = null, TrainingMonitorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new TrainingMonitorOptions();
        _options.Validate();
        _writer = writer;
        _optimizer = optimizer;
        _stopProbe = _options.Watchdog?.Probe;
        _parameters = [.. model.named_parameters().Where(p => p.parameter.requires_grad)];

        var probes = new List<ActivationProbe>();
        if (_options.ActivationHooks && _options.HistogramInterval > 0)
        {
            foreach (var (name, module) in model.named_modules())
            {
                if (name.Length > 0 && ActivationProbe.TryAttach(name, module) is { } probe)
                {
                    probes.Add(probe);
                }
            }
        }

        _probes = [.. probes];
    }

    /// <summary>The names of the trainable parameters the monitor reports, in order.</summary>
    public IReadOnlyList<string> ParameterNames => [.. _parameters.Select(p => p.Name)];

    /// <summary>The names of the activation modules it hooked (ReLU, ReLU6, Sigmoid, Tanh), in order.</summary>
    public IReadOnlyList<string> HookedLayers => [.. _probes.Select(p => p.Name)];

    /// <summary>
    /// Logs step <paramref name="step"/> with the loss as a one-element tensor (read in the same device copy as the rest).
    /// </summary>
    /// <exception cref="TrainingStoppedException">
    /// The watchdog has asked training to stop: thrown by this very step when the points it logs raise a critical
    /// alert (see <see cref="TrainingWatchdogOptions.StopOnCritical"/>); the step is logged first.
    /// </exception>
    public void Step(long step, Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (loss.numel() != 1)
        {
            throw new ArgumentException($"The loss must hold one value; this tensor holds {loss.numel()}.", nameof(loss));
        }

        StepCore(step, loss, double.NaN);
    }

    /// <summary>Logs step <paramref name="step"/> with the loss as a number.</summary>
    /// <exception cref="TrainingStoppedException">
    /// The watchdog has asked training to stop: thrown by this very step when the points it logs raise a critical
    /// alert (see <see cref="TrainingWatchdogOptions.StopOnCritical"/>); the step is logged first.
    /// </exception>
    public void Step(long step, double loss) => StepCore(step, null, loss);

    /// <summary>Logs step <paramref name="step"/> without a loss (log it yourself as <see cref="TrainingTags.Loss"/>).</summary>
    /// <exception cref="TrainingStoppedException">
    /// The watchdog has asked training to stop: thrown by this very step when the points it logs raise a critical
    /// alert (see <see cref="TrainingWatchdogOptions.StopOnCritical"/>); the step is logged first.
    /// </exception>
    public void Step(long step) => StepCore(step, null, null);

    /// <summary>Removes the forward hooks and frees the kept tensors.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var probe in _probes)
        {
            probe.Dispose();
        }

        FreeWeights();
    }

    private void StepCore(long step, Tensor? lossTensor, double? lossValue)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool scalars = Due(_options.ScalarInterval, step);
        bool histograms = Due(_options.HistogramInterval, step);
        var activations = new (ActivationProbe Probe, Tensor Output)[_probes.Length];
        int taken = 0;
        foreach (var probe in _probes)
        {
            if (probe.Take() is { } output)
            {
                activations[taken++] = (probe, output);
            }
        }

        try
        {
            if (scalars || histograms)
            {
                Record(step, scalars, histograms, lossTensor, lossValue, activations.AsSpan(0, taken));
            }

            // Always after Record: it turned the kept copy into W_prev − W. Kept only when the next step (at the
            // stride the monitor is being called) logs histograms.
            long stride = _lastStep is { } last && step > last ? step - last : 1;
            if (_options.UpdateRatios && Due(_options.HistogramInterval, step + stride))
            {
                KeepWeights();
            }
            else
            {
                FreeWeights();
            }

            _lastStep = step;
        }
        finally
        {
            for (int i = 0; i < taken; i++)
            {
                activations[i].Output.Dispose();
            }
        }

        _options.Watchdog?.ThrowIfStopRequested(step);
    }

    private void KeepWeights()
    {
        using var noGrad = no_grad();
        if (_previous is null)
        {
            _previous = new Tensor[_parameters.Length];
            for (int i = 0; i < _parameters.Length; i++)
            {
                _previous[i] = _parameters[i].Value.detach().clone().DetachFromDisposeScope();
            }

            return;
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            _previous[i].copy_(_parameters[i].Value);
        }
    }

    private void FreeWeights()
    {
        if (_previous is not null)
        {
            foreach (var t in _previous)
            {
                t.Dispose();
            }

            _previous = null;
        }
    }

    private static bool Due(int interval, long step) => interval > 0 && step % interval == 0;
}
