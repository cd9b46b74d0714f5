using Npgsql;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Runs;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>
/// The runs of every replica, read from PostgreSQL: the streams' rows (worker, connection, owner's heartbeat, stall,
/// break, points, highest step, newest point; kept by each group commit's own statement), the runs' tags and the alert
/// counts. Any replica answers for all. Two queries per call (three for <see cref="Find"/>); while the database does
/// not answer, this replica's own view (<see cref="RunRegistry"/>) stands in.
/// </summary>
internal sealed class PostgresRunCatalog : IRunCatalog
{
    private const string Streams = """
        SELECT s.project, s.run, s.worker, s.stream_id, s.connected, s.stalled, s.broken_at IS NOT NULL,
               COALESCE(r.heartbeat_at > now() - $1, false), s.points, s.last_step, s.last_point_at
        FROM streams s LEFT JOIN replicas r ON r.id = s.owner
        """;

    private readonly PostgresReplica _replica;
    private readonly RunRegistry _local;

    public PostgresRunCatalog(PostgresReplica replica, RunRegistry local)
    {
        _replica = replica;
        _local = local;
    }

    public IReadOnlyList<RunStatus> All() => Read(null, null) ?? _local.All();

    public RunStatus? Find(string project, string run) => Read(project, run) is { } found ? found.SingleOrDefault() : _local.Find(project, run);

    /// <summary>Where a stream stands, from its row: as <see cref="Liveness.StreamLivenessMonitor"/> sets it on the replica that holds it.</summary>
    private static RunLiveness Liveness(bool connected, bool stalled, bool broken, bool ownerAlive) =>
        connected && ownerAlive ? (stalled ? RunLiveness.Stalled : RunLiveness.Live)
        : connected || broken ? RunLiveness.Disconnected // its call broke, or its replica died with it: not come back
        : RunLiveness.Finished;

    private List<RunStatus>? Read(string? project, string? run)
    {
        try
        {
            using var connection = _replica.DataSource.OpenConnection();
            var runs = new SortedDictionary<(string Project, string Run), RunStatus>(Comparer<(string, string)>.Create((a, b) =>
                string.CompareOrdinal(a.Item1, b.Item1) is var c && c != 0 ? c : string.CompareOrdinal(a.Item2, b.Item2)));
            string where = project is null ? "" : " WHERE s.project = $2 AND s.run = $3";
            using (var command = new NpgsqlCommand(Streams + where, connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = _replica.Timeout });
                AddRun(command, project, run);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var key = (reader.GetString(0), reader.GetString(1));
                    if (!runs.TryGetValue(key, out var status))
                    {
                        runs[key] = status = new RunStatus(key.Item1, key.Item2);
                    }

                    status.AddWorker(reader.GetString(2));
                    status.SetStreamLiveness(reader.GetString(3), Liveness(reader.GetBoolean(4), reader.GetBoolean(5), reader.GetBoolean(6), reader.GetBoolean(7)));
                    status.AddPoints(reader.GetInt64(8), reader.IsDBNull(9) ? long.MinValue : reader.GetInt64(9));
                    if (!reader.IsDBNull(10))
                    {
                        var at = reader.GetFieldValue<DateTimeOffset>(10);
                        if (status.LastPointAt is not { } seen || at > seen)
                        {
                            status.PointsArrived(at);
                        }
                    }
                }
            }

            if (runs.Count == 0)
            {
                return [];
            }

            using (var command = new NpgsqlCommand("SELECT project, run, severity, COUNT(*) FROM alerts" + (project is null ? "" : " WHERE project = $1 AND run = $2") + " GROUP BY 1, 2, 3", connection))
            {
                if (project is not null)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = project });
                    command.Parameters.Add(new NpgsqlParameter { Value = run });
                }

                using var reader = command.ExecuteReader();
                var counts = new Dictionary<(string, string), Dictionary<TbBridge.Analysis.AlertSeverity, long>>();
                while (reader.Read())
                {
                    var key = (reader.GetString(0), reader.GetString(1));
                    if (!counts.TryGetValue(key, out var perSeverity))
                    {
                        counts[key] = perSeverity = [];
                    }

                    perSeverity[AlertColumns.SeverityFromCode(reader.GetInt32(2))] = reader.GetInt64(3);
                }

                foreach (var (key, perSeverity) in counts)
                {
                    if (runs.TryGetValue(key, out var status))
                    {
                        status.SetAlertCounts(perSeverity);
                    }
                }
            }

            if (project is not null)
            {
                using var command = new NpgsqlCommand($"SELECT tag FROM run_tags WHERE project = $1 AND run = $2 ORDER BY tag LIMIT {RunStatus.MaxListedTags}", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = project });
                command.Parameters.Add(new NpgsqlParameter { Value = run });
                using var reader = command.ExecuteReader();
                var tags = new List<string>();
                while (reader.Read())
                {
                    tags.Add(reader.GetString(0));
                }

                runs.Values.Single().AddTags(tags);
            }

            return [.. runs.Values];
        }
        catch (Exception ex) when (PostgresReplica.IsDatabaseError(ex))
        {
            return null;
        }
    }

    private static void AddRun(NpgsqlCommand command, string? project, string? run)
    {
        if (project is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = project });
            command.Parameters.Add(new NpgsqlParameter { Value = run });
        }
    }
}
