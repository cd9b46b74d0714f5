using Npgsql;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>
/// Webhook deliveries shared by replicas: every replica hears of every alert, and the one whose INSERT of
/// (alert, url) lands first delivers it; the row records who claimed it and how the delivery ended. A claim is a lease
/// on the claimer's life: once its heartbeat (<c>replicas.heartbeat_at</c>) is older than <see cref="PostgresReplica.Timeout"/>
/// or its row is gone, a live replica takes the unfinished delivery over with a compare-and-set on <c>claimed_by</c>
/// (so exactly one of several takes it) and delivers it.
/// </summary>
internal sealed class PostgresWebhookDeliveries : IWebhookDeliveries
{
    private const int TakeOverBatch = 100;
    private readonly PostgresReplica _replica;

    public PostgresWebhookDeliveries(PostgresReplica replica)
    {
        _replica = replica;
    }

    /// <summary>Twice per heartbeat timeout: a dead replica's deliveries move within about 1.5 × <c>ReplicaTimeout</c>.</summary>
    public TimeSpan? TakeOverEvery => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, _replica.Timeout.Ticks / 2));

    public bool TryClaim(long alertId, string url)
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("INSERT INTO webhook_deliveries (alert_id, url, claimed_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = alertId });
        command.Parameters.Add(new NpgsqlParameter { Value = url });
        command.Parameters.Add(new NpgsqlParameter { Value = _replica.Id });
        return command.ExecuteNonQuery() == 1;
    }

    public void Finished(long alertId, string url, bool delivered)
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("UPDATE webhook_deliveries SET finished_at = now(), delivered = $3 WHERE alert_id = $1 AND url = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = alertId });
        command.Parameters.Add(new NpgsqlParameter { Value = url });
        command.Parameters.Add(new NpgsqlParameter { Value = delivered });
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<(long AlertId, string Url, string From)> TakeOverAbandoned(IReadOnlyList<string> urls)
    {
        using var connection = _replica.DataSource.OpenConnection();
        var abandoned = new List<(long AlertId, string Url, string From)>();
        using (var find = new NpgsqlCommand(
            """
            SELECT d.alert_id, d.url, d.claimed_by FROM webhook_deliveries d
            WHERE d.finished_at IS NULL AND d.url = ANY($1) AND d.claimed_by <> $2
              AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.id = d.claimed_by AND r.heartbeat_at > now() - $3)
            ORDER BY d.alert_id LIMIT $4
            """,
            connection))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = urls.ToArray() });
            find.Parameters.Add(new NpgsqlParameter { Value = _replica.Id });
            find.Parameters.Add(new NpgsqlParameter { Value = _replica.Timeout });
            find.Parameters.Add(new NpgsqlParameter { Value = TakeOverBatch });
            using var reader = find.ExecuteReader();
            while (reader.Read())
            {
                abandoned.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var taken = new List<(long AlertId, string Url, string From)>(abandoned.Count);
        foreach (var delivery in abandoned)
        {
            // Compare-and-set on the claimer read above: of several replicas that saw it abandoned, one takes it.
            using var take = new NpgsqlCommand(
                "UPDATE webhook_deliveries SET claimed_by = $3, claimed_at = now() WHERE alert_id = $1 AND url = $2 AND claimed_by = $4 AND finished_at IS NULL",
                connection);
            take.Parameters.Add(new NpgsqlParameter { Value = delivery.AlertId });
            take.Parameters.Add(new NpgsqlParameter { Value = delivery.Url });
            take.Parameters.Add(new NpgsqlParameter { Value = _replica.Id });
            take.Parameters.Add(new NpgsqlParameter { Value = delivery.From });
            if (take.ExecuteNonQuery() == 1)
            {
                taken.Add(delivery);
            }
        }

        return taken;
    }
}
