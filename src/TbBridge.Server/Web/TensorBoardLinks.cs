using System.Text;
using System.Text.Json;

namespace TbBridge.Server.Web;

/// <summary>
/// Links into stock TensorBoard over the service's data directory, where each worker is the run
/// <c>&lt;project&gt;/&lt;run&gt;/&lt;worker&gt;</c>. The time-series dashboard honours <c>runFilter</c> and <c>tagFilter</c>
/// (regular expressions: names are escaped) and <c>pinnedCards</c> (a JSON list of <c>{plugin, tag}</c>).
/// </summary>
internal static class TensorBoardLinks
{
    public static string TimeSeries(Uri tensorBoard, string project, string run, string? worker, string? tag)
    {
        string runFilter = "^" + EscapeRegex(project + "/" + run + "/") + (worker is null ? "" : EscapeRegex(worker) + "$");
        var query = new StringBuilder("?runFilter=").Append(Uri.EscapeDataString(runFilter));
        if (tag is not null)
        {
            query.Append("&tagFilter=").Append(Uri.EscapeDataString("^" + EscapeRegex(tag) + "$"))
                .Append("&pinnedCards=").Append(Uri.EscapeDataString(JsonSerializer.Serialize(new[] { new { plugin = "scalars", tag } })));
        }

        return tensorBoard.ToString().TrimEnd('/') + "/" + query + "#timeseries";
    }

    /// <summary>The worker's <c>tbbridge/alerts</c> text entries, in TensorBoard's Text tab.</summary>
    public static string AlertTexts(Uri tensorBoard, string project, string run, string worker) =>
        tensorBoard.ToString().TrimEnd('/') + "/?runFilter=" + Uri.EscapeDataString("^" + EscapeRegex(project + "/" + run + "/" + worker) + "$")
        + "&tagFilter=" + Uri.EscapeDataString("^tbbridge/alerts$") + "#text";

    /// <summary>Escapes every character a JavaScript regular expression gives a meaning to.</summary>
    public static string EscapeRegex(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if ("\\^$.|?*+()[]{}/-".Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
