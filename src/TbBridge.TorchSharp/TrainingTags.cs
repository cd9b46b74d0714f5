namespace TbBridge.TorchSharp;

/// <summary>
/// The tags <see cref="TrainingMonitor"/> writes: the analysis engine's default conventions
/// (TbBridge.Analysis <c>SignalRules.Default</c> gives each its role), documented in README.md.
/// Parameter names are TorchSharp's <c>named_parameters()</c> names (<c>fc1.weight</c>); layer names
/// are <c>named_modules()</c> names (<c>relu1</c>, <c>features.2</c>).
/// </summary>
public static class TrainingTags
{
    /// <summary>The training loss, every scalar step (role: train loss).</summary>
    public const string Loss = "train/loss";

    /// <summary>The learning rate of the optimizer's only (or first) parameter group (role: learning rate).</summary>
    public const string LearningRate = "train/lr";

    /// <summary>The global L2 norm of all gradients together (role: gradient norm).</summary>
    public const string GradNormTotal = "grad_norm/total";

    /// <summary>The learning rate of parameter group <paramref name="group"/> when there are several: <c>train/lr/group&lt;i&gt;</c>.</summary>
    public static string LearningRateOfGroup(int group) => $"{LearningRate}/group{group}";

    /// <summary>The L2 norm of one parameter's gradient: <c>grad_norm/&lt;param&gt;</c> (role: parameter gradient norm).</summary>
    public static string GradNorm(string parameter) => "grad_norm/" + parameter;

    /// <summary>‖W − W_prev‖ / ‖W_prev‖ between consecutive monitor steps: <c>update_ratio/&lt;param&gt;</c>.</summary>
    public static string UpdateRatio(string parameter) => "update_ratio/" + parameter;

    /// <summary>Histogram of one parameter's values: <c>weights/&lt;param&gt;</c> (role: weight histogram).</summary>
    public static string Weights(string parameter) => "weights/" + parameter;

    /// <summary>Histogram of one parameter's gradient: <c>grads/&lt;param&gt;</c> (role: gradient histogram).</summary>
    public static string Gradients(string parameter) => "grads/" + parameter;

    /// <summary>Histogram of an activation module's outputs: <c>activations/&lt;layer&gt;</c> (role: activation histogram; dead ReLUs are read from it).</summary>
    public static string Activations(string layer) => "activations/" + layer;

    /// <summary>Share of an activation's outputs that are exactly zero: <c>activations/&lt;layer&gt;/zero_fraction</c>.</summary>
    public static string ZeroFraction(string layer) => $"activations/{layer}/zero_fraction";

    /// <summary>Share of a ReLU layer's units that are zero for every sample of the batch: <c>activations/&lt;layer&gt;/dead_fraction</c>.</summary>
    public static string DeadFraction(string layer) => $"activations/{layer}/dead_fraction";

    /// <summary>Share of a sigmoid or tanh layer's outputs within the saturation margin of its bounds: <c>activations/&lt;layer&gt;/saturated_fraction</c>.</summary>
    public static string SaturatedFraction(string layer) => $"activations/{layer}/saturated_fraction";
}
