namespace TbBridge.Analysis;

/// <summary>The kinds of alert the engine raises: stable strings, used as-is in JSON and in <c>label.json</c> files.</summary>
public static class AlertKind
{
    /// <summary>A watched value (loss, gradient norm, histogram) is NaN or infinite.</summary>
    public const string NanInf = "nan_inf";

    /// <summary>The loss (or gradient norm) grows without bound: training is running away.</summary>
    public const string Divergence = "divergence";

    /// <summary>Gradient norms are far beyond a sane range or grow by orders of magnitude.</summary>
    public const string ExplodingGradients = "exploding_gradients";

    /// <summary>Gradients of some layers are orders of magnitude smaller than others, or vanish altogether.</summary>
    public const string VanishingGradients = "vanishing_gradients";

    /// <summary>A ReLU-like layer outputs zero for (almost) every input.</summary>
    public const string DeadRelu = "dead_relu";

    /// <summary>A single point far above the recent level of the loss.</summary>
    public const string LossSpike = "loss_spike";

    /// <summary>The loss keeps jumping far above its level and back: training is unstable.</summary>
    public const string Oscillation = "oscillation";

    /// <summary>The loss has made no progress at all since the start.</summary>
    public const string Plateau = "plateau";

    /// <summary>Validation loss climbs back while the training loss keeps falling.</summary>
    public const string Overfitting = "overfitting";

    /// <summary>After having learned, the model predicts (almost) one class for every input.</summary>
    public const string ClassCollapse = "class_collapse";

    /// <summary>The weights do not change between snapshots while training steps advance.</summary>
    public const string WeightsUnchanged = "weights_unchanged";

    /// <summary>Information only: the run's tags could not be mapped to signal roles, so some rules cannot run.</summary>
    public const string UnrecognizedSignals = "unrecognized_signals";

    /// <summary>
    /// Raised by the service, not by this engine: a live stream has sent nothing for much longer than its usual
    /// interval (a hung job). Not in <see cref="All"/>, which lists the engine's kinds.
    /// </summary>
    public const string Stalled = "stalled";

    /// <summary>
    /// Raised by the service, not by this engine: a stream ended without a clean close and did not come back
    /// within the grace period (the job died). Not in <see cref="All"/>, which lists the engine's kinds.
    /// </summary>
    public const string Disconnected = "disconnected";

    /// <summary>Every kind the engine raises, in a stable order (the service adds <see cref="Stalled"/> and <see cref="Disconnected"/>).</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        NanInf, Divergence, ExplodingGradients, VanishingGradients, DeadRelu, LossSpike,
        Oscillation, Plateau, Overfitting, ClassCollapse, WeightsUnchanged, UnrecognizedSignals,
    ];
}
