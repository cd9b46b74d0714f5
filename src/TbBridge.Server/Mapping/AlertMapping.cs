using System.Globalization;
using System.Text;
using TbBridge.Analysis;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Runs;
using Alert = TbBridge.Protocol.V1.Alert;

namespace TbBridge.Server.Mapping;

/// <summary>Alerts and runs to and from the generated alert-service messages.</summary>
internal static class AlertMapping
{
    public static Alert ToProto(AlertRecord alert)
    {
        var proto = new Alert
        {
            Id = alert.Id,
            Project = alert.Project,
            Run = alert.Run,
            Worker = alert.Worker,
            Kind = alert.Kind,
            Severity = SeverityMapping.ToProto(alert.Severity),
            Tag = alert.Tag,
            Step = alert.Step,
            Message = alert.Message,
            RaisedAt = alert.RaisedAt,
            Subject = alert.Subject,
            Hint = alert.Hint,
        };
        proto.Tags.Add(alert.Tags);
        foreach (var (name, value) in alert.Evidence)
        {
            proto.Evidence[name] = value;
        }

        return proto;
    }

    public static AlertQuery ToQuery(AlertFilter? filter, Func<string, bool> canRead) => new(
        filter?.Project,
        filter?.Run,
        filter is null ? new HashSet<string>() : filter.Kinds.ToHashSet(StringComparer.Ordinal),
        filter is null ? null : SeverityMapping.FromProto(filter.MinSeverity))
    {
        CanRead = canRead,
    };

    /// <summary>The UTF-8 bytes of the tags one <c>GetRun</c> lists at most: a run's response stays far below a default client's 4 MiB.</summary>
    public const int MaxTagBytes = 1024 * 1024;

    /// <summary>A <c>ListRuns</c> page token: the last run listed, which the next page starts after.</summary>
    public static string ToRunPageToken(string project, string run) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(project + "\n" + run));

    /// <summary>The (project, run) a <c>ListRuns</c> page starts after; (null, null) for the first page, null when the token was not issued by this service.</summary>
    public static (string? Project, string? Run)? FromRunPageToken(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, null);
        }

        var bytes = new byte[token.Length];
        if (!Convert.TryFromBase64String(token, bytes, out int length))
        {
            return null;
        }

        string key = Encoding.UTF8.GetString(bytes, 0, length);
        int split = key.IndexOf('\n', StringComparison.Ordinal);
        return split < 0 ? null : (key[..split], key[(split + 1)..]);
    }

    public static string ToPageToken(long lastId) => lastId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The id a page starts after; null when the token was not issued by this service.</summary>
    public static long? FromPageToken(string token) =>
        string.IsNullOrEmpty(token) ? 0
        : long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id
        : null;

    public static RunSummary ToSummary(RunStatus run, DateTimeOffset now)
    {
        var summary = new RunSummary
        {
            Project = run.Project,
            Run = run.Run,
            State = ToProto(run.Liveness),
            LastStep = run.LastStep ?? 0,
            WorkerCount = run.Workers.Count,
            AlertCount = run.AlertCount,
        };
        if (run.LastPointAt is { } at)
        {
            summary.LastPointAt = at.ToUnixTimeMilliseconds() / 1000.0;
            summary.LastPointAgeSeconds = Math.Max(0, (now - at).TotalSeconds);
        }

        foreach (var (severity, count) in run.AlertCounts)
        {
            summary.AlertCounts[severity.ToWireString()] = count;
        }

        return summary;
    }

    public static RunDetails ToDetails(RunStatus run, DateTimeOffset now)
    {
        var details = new RunDetails { Summary = ToSummary(run, now), Points = run.Points };
        long bytes = 0;
        foreach (string tag in run.Tags)
        {
            bytes += Encoding.UTF8.GetByteCount(tag);
            if (bytes > MaxTagBytes)
            {
                details.TagsOmitted = run.Tags.Count - details.Tags.Count;
                break;
            }

            details.Tags.Add(tag);
        }

        details.Workers.Add(run.Workers);
        foreach (var (severity, count) in run.AlertCounts)
        {
            details.AlertCounts[severity.ToWireString()] = count;
        }

        return details;
    }

    public static RunState ToProto(RunLiveness liveness) => liveness switch
    {
        RunLiveness.Live => RunState.Active,
        RunLiveness.Stalled => RunState.Stalled,
        RunLiveness.Disconnected => RunState.Disconnected,
        _ => RunState.Idle,
    };
}
