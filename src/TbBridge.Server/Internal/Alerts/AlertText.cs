using System.Globalization;
using System.Text;
using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>How an alert reads as text: in the run's TensorBoard Text tab and in messages.</summary>
internal static class AlertText
{
    /// <summary>The tag alerts are written under in the run's event file.</summary>
    public const string Tag = "tbbridge/alerts";

    /// <summary>Characters of the alert itself in an entry at most (its tags and evidence are the caller's).</summary>
    public const int MaxAlertChars = 4096;

    /// <summary>Characters of one line of the log in an entry at most.</summary>
    public const int MaxLineChars = 256;

    /// <summary>
    /// Characters of one text entry at most, whatever the log holds: the alert, <see cref="MaxLineChars"/> for each
    /// listed line (the caller lists a bounded window) and the headings.
    /// </summary>
    public static int MaxEntryChars(int maxLines) => MaxAlertChars + (maxLines * (MaxLineChars + 8)) + 256;

    /// <summary>
    /// Markdown for TensorBoard's Text tab: the alert in one line, then the numbers behind it, the other tags
    /// involved and the hint.
    /// </summary>
    public static string Markdown(Alert alert, string worker)
    {
        var text = new StringBuilder(Headline(alert, worker));
        text.Append(": ").Append(alert.Message);
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

        return Cut(text.ToString(), MaxAlertChars);
    }

    /// <summary>
    /// How an alert's own entry begins, up to its message: severity, rule, tag, step (what the worker's analysis tells
    /// two raisings apart by) and worker. A replay of the worker's files finds by it the alerts whose entry they hold.
    /// </summary>
    public static string Headline(Alert alert, string worker) =>
        string.Create(CultureInfo.InvariantCulture, $"**{alert.Severity.ToWireString()}** `{alert.Kind}` on `{alert.Tag}` at step {alert.Step} (worker `{worker}`)");

    /// <summary>One line of a run's alert log: severity, rule, tag, step and message; at most <see cref="MaxLineChars"/>.</summary>
    public static string Line(AlertSeverity severity, string kind, string tag, long step, string message) =>
        Cut(string.Create(CultureInfo.InvariantCulture, $"**{severity.ToWireString()}** `{kind}` on `{tag}` at step {step}: {message}"), MaxLineChars);

    /// <summary>
    /// The text entry of an alert: the alert itself in full (up to <see cref="MaxAlertChars"/>), then the newest
    /// alerts of the worker's run, newest first (<paramref name="log"/>, this one included), so the newest entry,
    /// which TensorBoard always keeps when it samples a tag's text (10 entries by default), shows the recent ones.
    /// At most <paramref name="maxLines"/> are listed, whatever the log holds, so no entry grows with the log
    /// (<see cref="MaxEntryChars"/>); the entry says how many more there are and where to find them.
    /// </summary>
    public static string Entry(Alert alert, string worker, IReadOnlyList<string> log, long total, int maxLines)
    {
        var text = new StringBuilder(Markdown(alert, worker));
        text.Append(CultureInfo.InvariantCulture, $"\n\n---\n\n**Alerts of this run so far** ({total}, newest first):\n");
        AppendLog(text, log, total, maxLines);
        return text.ToString();
    }

    private static void AppendLog(StringBuilder text, IReadOnlyList<string> log, long total, int maxLines)
    {
        int shown = Math.Min(log.Count, maxLines);
        for (int i = 0; i < shown; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{i + 1}. {log[log.Count - 1 - i]}");
        }

        if (total > shown)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n\n… and {total - shown} earlier ones: `tbbridge alerts` lists every one.");
        }
    }

    /// <summary>The log alone, for an entry that restates it (after a restart, or a rollback that cut an alert's own entry).</summary>
    public static string Restatement(IReadOnlyList<string> log, long total, int maxLines)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"**Alerts of this run so far** ({total}, newest first; restated when the service took the worker's stream up again):\n");
        AppendLog(text, log, total, maxLines);
        return text.ToString();
    }

    /// <summary><paramref name="text"/> cut to <paramref name="max"/> characters, ending in '…' when cut (never inside a surrogate pair).</summary>
    private static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        int keep = max - 1;
        if (char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), "…");
    }

    /// <summary>A number as a person reads it: six significant digits, invariant culture, <c>NaN</c> and <c>Infinity</c> by name.</summary>
    public static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
