namespace TbBridge.TorchSharp.Internal;

/// <summary>What health figure an activation module gets.</summary>
internal enum ActivationKind
{
    /// <summary>ReLU family: outputs exactly zero below the threshold; dead units.</summary>
    Rectifier,

    /// <summary>Sigmoid: saturated near 0 and 1.</summary>
    Sigmoid,

    /// <summary>Tanh: saturated near −1 and 1.</summary>
    Tanh,
}
