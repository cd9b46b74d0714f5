namespace TbBridge.Events;

/// <summary>One tagged value of a summary event.</summary>
public sealed class SummaryValue
{
    /// <summary>Creates a summary value.</summary>
    public SummaryValue(string tag, ValueKind kind, string? pluginName, double scalar = double.NaN,
        HistogramValue? histogram = null, string? text = null)
    {
        Tag = tag;
        Kind = kind;
        PluginName = pluginName;
        Scalar = scalar;
        Histogram = histogram;
        Text = text;
    }

    /// <summary>The value's tag.</summary>
    public string Tag { get; }

    /// <summary>What the value holds.</summary>
    public ValueKind Kind { get; }

    /// <summary>The plugin named in the value's metadata (or remembered from the tag's first value), if any.</summary>
    public string? PluginName { get; }

    /// <summary>The number, for <see cref="ValueKind.Scalar"/>; NaN otherwise.</summary>
    public double Scalar { get; }

    /// <summary>The histogram, for <see cref="ValueKind.Histogram"/>.</summary>
    public HistogramValue? Histogram { get; }

    /// <summary>The text, for <see cref="ValueKind.Text"/>.</summary>
    public string? Text { get; }
}
