using Microsoft.Extensions.Diagnostics.HealthChecks;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Services;

/// <summary>Serving while the ingest engine is running and its data directory exists.</summary>
internal sealed class IngestHealthCheck : IHealthCheck
{
    private readonly IngestEngine _engine;

    public IngestHealthCheck(IngestEngine engine)
    {
        _engine = engine;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_engine.IsRunning && Directory.Exists(_engine.DataDirectory)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The ingest engine is not running or its data directory is missing."));
}
