using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>
/// Readiness of a replica: its heartbeat reached PostgreSQL recently (so other replicas do not take its streams
/// from under it) and its alert feed is listening (so its watchers are caught up). A replica that is not ready is
/// left out by the load balancer; its streams move to one that is.
/// </summary>
internal sealed class PostgresHealthCheck : IHealthCheck
{
    private readonly PostgresReplica _replica;
    private readonly PostgresAlertStore _alerts;
    private readonly TimeProvider _time;

    public PostgresHealthCheck(PostgresReplica replica, PostgresAlertStore alerts, TimeProvider time)
    {
        _replica = replica;
        _alerts = alerts;
        _time = time;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        bool beating = _replica.LastBeat is { } beat && _time.GetUtcNow() - beat < _replica.Timeout;
        return Task.FromResult(
            !beating ? HealthCheckResult.Unhealthy("This replica's heartbeat has not reached PostgreSQL lately.")
            : !_alerts.Listening ? HealthCheckResult.Unhealthy("This replica's alert feed is not listening (catching up after a reconnect).")
            : HealthCheckResult.Healthy());
    }
}
