using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Runs;
using TbBridge.Server.Web.History;

namespace TbBridge.Server.Web;

/// <summary>What the page shows of runs and alerts, as JSON-ready dictionaries and records, from the registry, the hub and the curves.</summary>
internal static class RunView
{
    /// <summary>Points in a runs-list curve.</summary>
    public const int SparkPoints = 48;

    public static string State(RunStatus run) => run.Liveness switch
    {
        RunLiveness.Live => "live",
        RunLiveness.Stalled => "stalled",
        RunLiveness.Disconnected => "disconnected",
        _ => "finished",
    };

    /// <summary>0 needs attention (critical alerts, disconnected, stalled), 1 live, 2 finished: the runs page's order.</summary>
    public static int Rank(RunStatus run)
    {
        var counts = run.AlertCounts;
        bool critical = counts.TryGetValue(Analysis.AlertSeverity.Critical, out long c) && c > 0;
        return critical || run.Liveness is RunLiveness.Stalled or RunLiveness.Disconnected ? 0 : run.Liveness == RunLiveness.Live ? 1 : 2;
    }

    public static RunSummaryJson Summary(RunStatus run, DateTimeOffset now, CurveHistory curves)
    {
        var counts = run.AlertCounts;
        long Count(Analysis.AlertSeverity s) => counts.TryGetValue(s, out long n) ? n : 0;
        (long, float)[] spark = [];
        foreach (string worker in run.Workers)
        {
            var history = curves.Peek(run.Project, run.Run, worker);
            if (history?.Loaded is null)
            {
                curves.Warm(run.Project, run.Run, worker);
            }

            if (history?.CopyFirst(SignalRole.TrainLoss, SignalRole.ValLoss) is { Length: > 0 } loss)
            {
                spark = Thin(loss, SparkPoints);
                break;
            }
        }

        return new RunSummaryJson(
            run.Project, run.Run, [.. run.Workers], State(run), Rank(run) == 0, run.LastStep, run.Points,
            run.LastPointAt is { } at ? Math.Max(0, (now - at).TotalSeconds) : null,
            new AlertCountsJson(Count(Analysis.AlertSeverity.Critical), Count(Analysis.AlertSeverity.Warning), Count(Analysis.AlertSeverity.Info)),
            [.. spark.Select(p => new PointJson(p.Item1, p.Item2))]);
    }

    public static AlertJson Alert(AlertRecord a) => new(
        a.Id, a.Project, a.Run, a.Worker, a.Kind, a.Severity.ToWireString(), a.Tag, a.Step, a.Message, a.RaisedAt, a.Tags, a.Subject, a.Hint,
        [.. a.Evidence.Select(e => new EvidenceJson(e.Key, double.IsFinite(e.Value) ? e.Value : null, double.IsFinite(e.Value) ? null : Text(e.Value)))],
        a.Worker);

    public static (long, float)[] Thin((long Step, float Value)[] points, int max)
    {
        if (points.Length <= max)
        {
            return [.. points.Select(p => (p.Step, p.Value))];
        }

        var kept = new (long, float)[max];
        for (int i = 0; i < max; i++)
        {
            var p = points[(int)((long)i * (points.Length - 1) / (max - 1))];
            kept[i] = (p.Step, p.Value);
        }

        return kept;
    }

    /// <summary>A non-finite number as people write it: NaN, Inf, -Inf.</summary>
    public static string Text(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "Inf" : "-Inf";
}
