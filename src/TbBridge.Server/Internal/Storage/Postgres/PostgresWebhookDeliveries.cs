using Npgsql;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>
/// Webhook deliveries shared by replicas: every replica hears of every alert, and the one whose INSERT of
/// (alert, url) lands first delivers it; the row records who claimed it and how the delivery ended.
/// </summary>
internal sealed class PostgresWebhookDeliveries : IWebhookDeliveries
{
    private readonly PostgresReplica _replica;

    public PostgresWebhookDeliveries(PostgresReplica replica)
    {
        _replica = replica;
    }

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
}
