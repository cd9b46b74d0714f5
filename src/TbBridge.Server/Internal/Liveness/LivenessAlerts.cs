using System.Globalization;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Internal.Liveness;

/// <summary>
/// The two rules' descriptors and the alerts they raise: kind, default severity, message, hint and evidence,
/// shaped like the engine's alerts so every place a person reads one shows them alike.
/// </summary>
internal static class LivenessAlerts
{
    /// <summary>Warning: a silence can be benign (a long evaluation, a checkpoint to slow storage), and the job may resume.</summary>
    public const AlertSeverity StalledSeverity = AlertSeverity.Warning;

    /// <summary>
    /// Critical: a writer that finishes closes its stream, and the grace period covers a network blip or a
    /// follower restart, so what is left is a job that died (OOM kill, node loss, preemption) while GPUs may sit idle.
    /// </summary>
    public const AlertSeverity DisconnectedSeverity = AlertSeverity.Critical;

    private const string StalledHint =
        "Usual causes: a deadlocked collective (NCCL/Gloo all-reduce waiting for a dead rank), a stuck data loader " +
        "(worker processes hung on I/O or shared memory), a hung storage mount, or an evaluation or checkpoint much " +
        "longer than any seen so far. Look at the job's stack (py-spy dump, dotnet-stack) and GPU utilisation.";

    private const string DisconnectedHint =
        "Usual causes: the process was killed (out of host memory, the OOM killer; a pre-empted or evicted pod), the " +
        "node was lost, or the writer exited without closing (dispose the SummaryWriter / RemoteSink, stop the " +
        "follower with SIGTERM). Check the job's exit status and the node's events.";

    public static Alert Stalled(StreamWatch watch, TimeSpan silence, TimeSpan threshold)
    {
        var evidence = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["silent_seconds"] = Math.Round(silence.TotalSeconds, 3),
            ["threshold_seconds"] = Math.Round(threshold.TotalSeconds, 3),
            ["longest_recent_gap_seconds"] = Math.Round(watch.LongestRecentGap, 3),
            ["batches"] = watch.Batches,
        };
        string message = string.Create(
            CultureInfo.InvariantCulture,
            $"worker {watch.Identity.Worker} has sent nothing for {Describe(silence)} (usually at most {Describe(TimeSpan.FromSeconds(watch.LongestRecentGap))} between batches; threshold {Describe(threshold)}): the job may be hung");
        return Build(watch, AlertKind.Stalled, StalledSeverity, message, StalledHint, evidence);
    }

    public static Alert Disconnected(StreamWatch watch, TimeSpan grace, TimeSpan silence)
    {
        var evidence = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["grace_seconds"] = Math.Round(grace.TotalSeconds, 3),
            ["silent_seconds"] = Math.Round(silence.TotalSeconds, 3),
            ["points"] = watch.Points,
        };
        string message = string.Create(
            CultureInfo.InvariantCulture,
            $"worker {watch.Identity.Worker}'s stream ended without a clean close and has not come back for {Describe(grace)}: the job has probably died");
        return Build(watch, AlertKind.Disconnected, DisconnectedSeverity, message, DisconnectedHint, evidence);
    }

    /// <summary>A stream whose replica died holding it, judged by a surviving replica from what the shared state holds.</summary>
    public static Alert Disconnected(OrphanedStream orphan, TimeSpan grace, TimeSpan silence)
    {
        var evidence = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["grace_seconds"] = Math.Round(grace.TotalSeconds, 3),
            ["silent_seconds"] = Math.Round(silence.TotalSeconds, 3),
            ["points"] = orphan.Points,
        };
        string message = string.Create(
            CultureInfo.InvariantCulture,
            $"worker {orphan.Identity.Worker}'s stream was on a replica of the service that died, and has not come back to another for {Describe(grace)}: the job has probably died too");
        return Build(orphan.Identity, orphan.LastStep, orphan.LastTag, orphan.WallTime, AlertKind.Disconnected, DisconnectedSeverity, message, DisconnectedHint, evidence);
    }

    private static Alert Build(StreamWatch watch, string kind, AlertSeverity severity, string message, string hint, Dictionary<string, double> evidence) =>
        Build(watch.Identity, watch.LastStep, watch.LastTag, watch.NewestWallTime, kind, severity, message, hint, evidence);

    private static Alert Build(StreamIdentity identity, long step, string tag, double wallTime, string kind, AlertSeverity severity, string message, string hint, Dictionary<string, double> evidence) =>
        new(identity.Run, kind, severity, step, tag, tag.Length == 0 ? [] : [tag], "worker " + identity.Worker, message, hint, evidence, double.IsFinite(wallTime) ? wallTime : 0);

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h")
        : span.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.#} min")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s");
}
