using System.Globalization;

namespace TbBridge;

/// <summary>
/// One hyperparameter value: a number, a string or a boolean. Converts implicitly, so a dictionary
/// reads naturally: <c>new Dictionary&lt;string, HparamValue&gt; { ["lr"] = 1e-3, ["optimizer"] = "adam", ["layers"] = 3 }</c>.
/// </summary>
public readonly struct HparamValue : IEquatable<HparamValue>
{
    private HparamValue(HparamValueKind kind, double number, string? text, bool flag)
    {
        Kind = kind;
        Number = number;
        String = text;
        Bool = flag;
    }

    /// <summary>Which of the values is set.</summary>
    public HparamValueKind Kind { get; }

    /// <summary>The value of a <see cref="HparamValueKind.Number"/>.</summary>
    public double Number { get; }

    /// <summary>The value of a <see cref="HparamValueKind.String"/>.</summary>
    public string? String { get; }

    /// <summary>The value of a <see cref="HparamValueKind.Bool"/>.</summary>
    public bool Bool { get; }

    /// <summary>A number.</summary>
    public static HparamValue FromDouble(double value) => new(HparamValueKind.Number, value, null, false);

    /// <summary>A string.</summary>
    public static HparamValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(HparamValueKind.String, 0, value, false);
    }

    /// <summary>A boolean.</summary>
    public static HparamValue FromBoolean(bool value) => new(HparamValueKind.Bool, 0, null, value);

    /// <summary>A number.</summary>
    public static implicit operator HparamValue(double value) => FromDouble(value);

    /// <summary>A string.</summary>
    public static implicit operator HparamValue(string value) => FromString(value);

    /// <summary>A boolean.</summary>
    public static implicit operator HparamValue(bool value) => FromBoolean(value);

    /// <summary>Equal kind and value.</summary>
    public static bool operator ==(HparamValue left, HparamValue right) => left.Equals(right);

    /// <summary>Different kind or value.</summary>
    public static bool operator !=(HparamValue left, HparamValue right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(HparamValue other) =>
        Kind == other.Kind && Number.Equals(other.Number) && string.Equals(String, other.String, StringComparison.Ordinal) && Bool == other.Bool;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is HparamValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Number, String, Bool);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        HparamValueKind.String => String ?? string.Empty,
        HparamValueKind.Bool => Bool ? "true" : "false",
        _ => Number.ToString("R", CultureInfo.InvariantCulture),
    };
}
