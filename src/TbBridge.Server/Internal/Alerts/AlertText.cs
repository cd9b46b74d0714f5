using System.Globalization;
using System.Text;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>How an alert reads as text: in the run's TensorBoard Text tab and in messages.</summary>
internal static class AlertText
{
    /// <summary>The tag alerts are written under in the run's event file.</summary>
    public const string Tag = "tbbridge/alerts";

    /// <summary>
    /// Markdown for TensorBoard's Text tab: the alert in one line, then the numbers behind it, the other tags
    /// involved and the hint.
    /// </summary>
    public static string Markdown(Alert alert, string worker)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"**{alert.Severity.ToWireString()}** `{alert.Kind}` on `{alert.Tag}` at step {alert.Step} (worker `{worker}`): {alert.Message}");
        if (alert.Evidence.Count > 0)
        {
            text.Append("\n\n**Evidence**\n");
            foreach (var (name, value) in alert.Evidence)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n- `{name}`: {Number(value)}");
            }
        }

        if (alert.Tags.Count > 1)
        {
            text.Append("\n\n**Tags**: ").AppendJoin(", ", alert.Tags.Select(t => $"`{t}`"));
        }

        if (alert.Hint.Length > 0)
        {
            text.Append("\n\n**Hint**: ").Append(alert.Hint);
        }

        return text.ToString();
    }

    /// <summary>A number as a person reads it: six significant digits, invariant culture, <c>NaN</c> and <c>Infinity</c> by name.</summary>
    public static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
