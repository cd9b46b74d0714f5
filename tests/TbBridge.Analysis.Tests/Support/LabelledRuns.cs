using System.Globalization;
using System.Text;

namespace TbBridge.Analysis.Tests.Support;

/// <summary>Holds a labelled dataset's runs to their label.json, and prints the tables of docs/detection.md.</summary>
public static class LabelledRuns
{
    /// <summary>Every labelled problem reported (warning or critical); nothing else but acceptable kinds, and nothing at all on a healthy run; nan_inf at the first non-finite step.</summary>
    public static IEnumerable<string> Check(RunLabel label, IReadOnlyList<Alert> alerts)
    {
        var raised = alerts.Where(a => a.Severity >= AlertSeverity.Warning).Select(a => a.Kind).ToHashSet(StringComparer.Ordinal);
        foreach (var p in label.Problems.Where(p => !raised.Contains(p)))
        {
            yield return $"{label.Run}: labelled problem '{p}' not reported";
        }

        // A healthy run raises no warning at all, not even of a kind its label finds acceptable.
        var allowed = label.Healthy ? [] : label.Problems.Concat(label.AlsoAcceptable).ToHashSet(StringComparer.Ordinal);
        foreach (var a in alerts.Where(a => a.Severity >= AlertSeverity.Warning && !allowed.Contains(a.Kind)))
        {
            yield return $"{label.Run}: false alarm {a.Kind} ({a.Severity}) at step {a.Step} on {a.Tag}: {a.Message}";
        }

        foreach (var a in alerts.Where(a => a.Kind == AlertKind.NanInf && a.Step != label.FirstNonfiniteLossStep))
        {
            yield return $"{label.Run}: nan_inf at step {a.Step}, labelled first non-finite loss step {label.FirstNonfiniteLossStep}";
        }
    }

    /// <summary>Per run: its labelled problems and every alert, kind@step and its sub-run if any (info alerts marked).</summary>
    public static string PerRunTable(List<(RunLabel Label, IReadOnlyList<Alert> Alerts)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | labelled problems | reported (kind@step) |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var (label, alerts) in rows)
        {
            var reported = string.Join(", ", alerts.Select(a => $"{a.Kind}@{a.Step}{(a.SubRun is { } sub ? " " + sub : string.Empty)}{(a.Severity == AlertSeverity.Info ? " (info)" : string.Empty)}"));
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {label.Run} | {(label.Problems.Length == 0 ? "healthy" : string.Join(", ", label.Problems))} | {(reported.Length == 0 ? "-" : reported)} |");
        }

        return sb.ToString();
    }

    /// <summary>Per kind: runs labelled with it and found, missed, and runs where it was raised as warning/critical without label or acceptance.</summary>
    public static string PerKindTable(List<(RunLabel Label, IReadOnlyList<Alert> Alerts)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| kind | labelled | found | missed | acceptable extra | false alarms | healthy-run alarms |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var kind in AlertKind.All.Where(k => k != AlertKind.UnrecognizedSignals))
        {
            int labelled = 0, found = 0, acceptable = 0, falseAlarms = 0, healthy = 0;
            foreach (var (label, alerts) in rows)
            {
                var raised = alerts.Any(a => a.Kind == kind && a.Severity >= AlertSeverity.Warning);
                if (label.Problems.Contains(kind))
                {
                    labelled++;
                    found += raised ? 1 : 0;
                }
                else if (raised && label.AlsoAcceptable.Contains(kind))
                {
                    acceptable++;
                }
                else if (raised)
                {
                    falseAlarms++;
                    healthy += label.Healthy ? 1 : 0;
                }
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {labelled} | {found} | {labelled - found} | {acceptable} | {falseAlarms} | {healthy} |");
        }

        return sb.ToString();
    }
}
