namespace TbBridge.Server.Web;

/// <summary>A point; a value that is not finite is null in <c>v</c> and named in <c>x</c> (NaN, Inf, -Inf).</summary>
internal sealed record PointJson(long S, double? V, string? X)
{
    public PointJson(long step, float value)
        : this(step, float.IsFinite(value) ? Math.Round(value, 7) : null, float.IsFinite(value) ? null : RunView.Text(value))
    {
    }
}
