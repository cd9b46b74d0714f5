namespace TbBridge;

/// <summary>The type of an <see cref="HparamValue"/>, as TensorBoard's hparams plugin knows them.</summary>
public enum HparamValueKind
{
    /// <summary>A number (stored as a double).</summary>
    Number = 0,

    /// <summary>A string.</summary>
    String = 1,

    /// <summary>A boolean.</summary>
    Bool = 2,
}
