using System.Globalization;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>How an alert reads as text: in the run's TensorBoard Text tab and in messages.</summary>
internal static class AlertText
{
    /// <summary>The tag alerts are written under in the run's event file.</summary>
    public const string Tag = "tbbridge/alerts";

    /// <summary>Markdown for TensorBoard's Text tab.</summary>
    public static string Markdown(Alert alert, string worker) => string.Format(
        CultureInfo.InvariantCulture,
        "**{0}** `{1}` on `{2}` at step {3} (worker `{4}`): {5}",
        alert.Severity.ToWireString(),
        alert.Kind,
        alert.Tag,
        alert.Step,
        worker,
        alert.Message);
}
