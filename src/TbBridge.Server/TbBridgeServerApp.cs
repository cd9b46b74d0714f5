using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Serilog;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Internal.Analysis;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Liveness;
using TbBridge.Server.Internal.Routing;
using TbBridge.Server.Internal.Runs;
using TbBridge.Server.Internal.Security;
using TbBridge.Server.Internal.Storage;
using TbBridge.Server.Internal.Storage.Postgres;
using TbBridge.Server.Internal.Storage.Sqlite;
using TbBridge.Server.Services;
using TbBridge.Server.Web;

namespace TbBridge.Server;

/// <summary>Builds the service: configuration with its embedded defaults, Serilog, the gRPC services, health and reflection.</summary>
internal static class TbBridgeServerApp
{
    /// <summary>The embedded default: loopback only, HTTP/2 without TLS (h2c), data in <c>./data</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["urls"] = "http://127.0.0.1:5080",
        ["Kestrel:EndpointDefaults:Protocols"] = "Http2",
        // A worker whose connection died without a reset is refused (ABORTED) until the service notices: HTTP/2 pings
        // find it within 30 s, where TCP alone could take minutes.
        ["Kestrel:Limits:Http2:KeepAlivePingDelay"] = "00:00:15",
        ["Kestrel:Limits:Http2:KeepAlivePingTimeout"] = "00:00:15",
        ["TbBridge:DataDirectory"] = "data",
        ["Serilog:MinimumLevel:Default"] = "Information",
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Warning",
        ["Serilog:MinimumLevel:Override:Grpc"] = "Warning",
        // The page's antiforgery keys are held in memory, unencrypted: no warning per start.
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.DataProtection"] = "Error",
        // A start that fails (a taken port, an invalid configuration) is told in one line by Program, not as
        // the host's 40-line "Hosting failed to start" trace.
        ["Serilog:MinimumLevel:Override:Microsoft.Extensions.Hosting.Internal.Host"] = "Fatal",
    };

    /// <summary>Command-line switches beyond ASP.NET's own (<c>--urls</c> is one of those).</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--data-dir"] = "TbBridge:DataDirectory",
        ["--web-urls"] = "TbBridge:Web:Urls",
    };

    /// <summary>Thread-pool threads kept ready: appends are buffered, synchronous file writes that block when the kernel throttles writeback.</summary>
    public const int MinWorkerThreads = 64;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Without this a 2-core box starts with 2 pool threads and adds one every ~0.5 s while blocked
        // writes hold them; measured at 1M points/s, ack latency p50 went from 17.7 ms to 5.4 ms.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, MinWorkerThreads), completionPorts);

        // appsettings.json is read from beside the binary, wherever the service is started from; a relative
        // data directory is the caller's (./data under `dotnet run` from the repository root, as the README says).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Lowest precedence: appsettings.json, environment and command line all override the defaults.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        builder.Configuration.AddCommandLine(args, SwitchMappings.ToDictionary());

        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture));

        // Kestrel reads endpoints from its section but not its limits: bind those too (the keepalive defaults above).
        builder.WebHost.ConfigureKestrel(kestrel => builder.Configuration.GetSection("Kestrel:Limits").Bind(kestrel.Limits));
        AddTbBridge(builder.Services, builder.Configuration);
        builder.AddTbBridgeWeb();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGrpcService<IngestGrpcService>();
        app.MapGrpcService<AlertGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapTbBridgeWeb();
        app.Lifetime.ApplicationStarted.Register(() => WarnIfExposed(app));
        return app;
    }

    private static void AddTbBridge(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TbBridgeServerOptions>().BindConfiguration(TbBridgeServerOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TbBridgeServerOptions>, TbBridgeServerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        var postgres = configuration.GetSection(TbBridgeServerOptions.SectionName).Get<TbBridgeServerOptions>()?.Postgres;
        if (string.IsNullOrWhiteSpace(postgres))
        {
            AddSqliteState(services);
        }
        else
        {
            AddPostgresState(services);
        }

        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<AlertHub>();
        services.AddSingleton<RunRegistry>();
        services.AddSingleton<IAlertRouter, AlertRouter>();
        services.AddSingleton<CallerAuthenticator>();
        services.AddSingleton<ClientRateLimiter>();
        services.AddSingleton<IngestCallLimiter>();
        services.AddSingleton<HistoryReadLimiter>();
        services.TryAddSingleton<IStreamAnalysisFactory>(sp => new RunAnalyzerFactory(
            new AnalysisOptions { MaxTags = sp.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value.MaxAnalysedTagsPerWorker },
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new Lazy<IngestEngine>(sp.GetRequiredService<IngestEngine>));
        services.AddSingleton<StreamLivenessMonitor>();
        services.AddSingleton<IStreamObserver>(sp => sp.GetRequiredService<StreamLivenessMonitor>());
        services.AddHostedService(sp => sp.GetRequiredService<StreamLivenessMonitor>());
        services.AddSingleton<IngestEngine>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestEngine>());

        // Only ingest messages are big. Every other request (a Watch or List filter, a page token, health, reflection)
        // is read whole before its caller is known, so it is held to what a refused ingest call may send.
        services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = IngestGrpcService.MaxBytesBeforeCaller);
        // Bound again, unvalidated: mapping the services reads this before ValidateOnStart reports problems.
        services.AddOptions<GrpcServiceOptions<IngestGrpcService>>().Configure<IConfiguration>((grpc, configuration) =>
            grpc.MaxReceiveMessageSize = (configuration.GetSection(TbBridgeServerOptions.SectionName).Get<TbBridgeServerOptions>() ?? new()).MaxReceiveMessageBytes);
        services.AddGrpcHealthChecks().AddCheck<IngestHealthCheck>("ingest");
        services.AddGrpcReflection();
    }

    /// <summary>One service: its state in SQLite in the data directory, which it locks against a second service.</summary>
    private static void AddSqliteState(IServiceCollection services)
    {
        // First of all: the data directory's lock, taken when the hosted services are resolved (the first of them),
        // before the alert store opens tbbridge.db and before the engine's recovery touches an event file.
        services.AddSingleton(sp => DataDirectoryLock.Acquire(sp.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value.DataDirectory));
        services.AddHostedService(sp => sp.GetRequiredService<DataDirectoryLock>());
        services.AddSingleton<IAlertStore>(sp => new AlertStore(Path.Combine(sp.GetRequiredService<DataDirectoryLock>().Directory, SqliteDatabase.FileName)));
        services.AddSingleton<IStreamStateStore>(sp => new SqliteStreamStateStore(Path.Combine(sp.GetRequiredService<DataDirectoryLock>().Directory, SqliteDatabase.FileName)));
        services.AddSingleton<IWebhookDeliveries>(LocalWebhookDeliveries.Instance);
        services.AddSingleton<IRunCatalog>(sp => sp.GetRequiredService<RunRegistry>());
    }

    /// <summary>
    /// Replicas: their state in PostgreSQL (TbBridge:Postgres), their data directory shared and not locked (one writer
    /// per stream is the owner epoch's job). The replica (schema, id, heartbeat) starts first of the hosted services.
    /// </summary>
    private static void AddPostgresState(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value;
            return new PostgresReplica(options.Postgres!, options.ReplicaTimeout, options.ReplicaPruneAfter, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresReplica>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<PostgresReplica>());
        services.AddSingleton<PostgresAlertStore>();
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<PostgresAlertStore>());
        services.AddSingleton<IStreamStateStore, PostgresStreamStateStore>();
        services.AddSingleton<IWebhookDeliveries, PostgresWebhookDeliveries>();
        services.AddSingleton<IRunCatalog, PostgresRunCatalog>();
        services.AddGrpcHealthChecks().AddCheck<PostgresHealthCheck>("replica");
    }

    private static void WarnIfExposed(WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TbBridgeServerOptions>>().Value;
        if (options.Anonymous != AnonymousAccess.Any)
        {
            return;
        }

        var logger = app.Services.GetRequiredService<ILogger<IngestEngine>>();
        foreach (var url in app.Urls)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.IsLoopback)
            {
                Internal.Log.AnonymousExposed(logger, options.Anonymous, url);
            }
        }
    }
}
