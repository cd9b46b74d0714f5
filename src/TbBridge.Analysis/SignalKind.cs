namespace TbBridge.Analysis;

/// <summary>Which kind of point a <see cref="SignalRule"/> applies to.</summary>
public enum SignalKind
{
    /// <summary>Scalars and histograms.</summary>
    Any,

    /// <summary>Scalar points only.</summary>
    Scalar,

    /// <summary>Histogram points only.</summary>
    Histogram,
}
