namespace TbBridge.Events;

/// <summary>What a summary value holds, as <c>tensorboard --inspect</c> groups them.</summary>
public enum ValueKind
{
    /// <summary>Neither of the kinds below (audio, a graph, an unknown value).</summary>
    Other = 0,

    /// <summary>A single number: <c>simple_value</c>, or a TF2 tensor with the scalars plugin's metadata.</summary>
    Scalar,

    /// <summary>A <c>HistogramProto</c>, or a TF2 tensor with the histograms plugin's metadata.</summary>
    Histogram,

    /// <summary>A string tensor with the text plugin's metadata.</summary>
    Text,

    /// <summary>Any other tensor (hparams records, custom plugins).</summary>
    Tensor,

    /// <summary>An encoded image.</summary>
    Image,
}
