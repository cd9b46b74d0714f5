using System.Text.Json;
using Npgsql;
using TbBridge.Server.Tests.Infrastructure;
using static TbBridge.Server.Tests.Deployment.DeploymentFiles;

namespace TbBridge.Server.Tests.Deployment;

/// <summary>
/// docker-compose.yml as Docker Compose itself resolves it (no engine needed: <c>docker-compose config</c>), with the
/// env file a user makes from deploy/tbbridge.env.example: what <c>docker compose up</c> would run, per profile.
/// </summary>
public class ComposeResolutionTests
{
    private static readonly Dictionary<string, string> EnvFileFromExample = new() { ["tbbridge.env"] = PathOf("deploy/tbbridge.env.example") };

    [ComposeFact]
    public void DefaultProfile_RunsOneServiceAndTensorBoard_WithKeysThatBindToServerOptions()
    {
        using var model = ComposeCli.Resolve(PathOf("docker-compose.yml"), EnvFileFromExample);
        var services = model.RootElement.GetProperty("services");

        Assert.Equal(["tbbridge", "tensorboard"], Names(services));
        var environment = Environment(services, "tbbridge");
        Assert.Contains(environment.Keys, k => k.StartsWith("TbBridge__ApiKeys__0__Key", StringComparison.Ordinal));
        Assert.All(environment.Keys.Where(k => k.StartsWith("TbBridge", StringComparison.Ordinal)), ConfigurationKeys.AssertBindsToServerOptions);
        Assert.Equal("None", environment["TbBridge__Anonymous"]);
        Assert.Equal(Volumes(services, "tbbridge").Single().Source, Volumes(services, "tensorboard").Single().Source);
        Assert.True(Volumes(services, "tensorboard").Single().ReadOnly);
    }

    [ComposeFact]
    public void ReplicasProfile_TwoReplicasOnOnePostgresAndOneVolume_BehindABalancerThatNamesBoth()
    {
        using var model = ComposeCli.Resolve(PathOf("docker-compose.yml"), EnvFileFromExample, "replicas");
        var services = model.RootElement.GetProperty("services");
        string[] replicas = ["tbbridge-replica-a", "tbbridge-replica-b"];

        Assert.Superset(new HashSet<string>(["postgres", "tbbridge-balancer", "tensorboard-replicas", .. replicas]), Names(services).ToHashSet());
        var a = Environment(services, replicas[0]);
        Assert.Equal(a, Environment(services, replicas[1]));
        Assert.All(a.Keys.Where(k => k.StartsWith("TbBridge", StringComparison.Ordinal)), ConfigurationKeys.AssertBindsToServerOptions);

        // The connection string reaches the postgres service's own database, user and password.
        var postgres = Environment(services, "postgres");
        var connection = new NpgsqlConnectionStringBuilder(a["TbBridge__Postgres"]);
        Assert.Equal("postgres", connection.Host);
        Assert.Equal(postgres["POSTGRES_DB"], connection.Database);
        Assert.Equal(postgres["POSTGRES_USER"], connection.Username);
        Assert.Equal(postgres["POSTGRES_PASSWORD"], connection.Password);
        Assert.All(replicas, r => Assert.Equal("service_healthy", services.GetProperty(r).GetProperty("depends_on").GetProperty("postgres").GetProperty("condition").GetString()));

        // One shared data volume, not the default service's; TensorBoard reads it read-only.
        string data = Volumes(services, replicas[0]).Single().Source;
        Assert.Equal(data, Volumes(services, replicas[1]).Single().Source);
        Assert.NotEqual(Volumes(services, "tbbridge").Single().Source, data);
        Assert.Equal((data, true), Volumes(services, "tensorboard-replicas").Select(v => (v.Source, v.ReadOnly)).Single());

        // The balancer's configuration sends to exactly the two replicas, on the port they listen on.
        var balancer = services.GetProperty("tbbridge-balancer");
        string configName = balancer.GetProperty("configs")[0].GetProperty("source").GetString()!;
        string haproxy = model.RootElement.GetProperty("configs").GetProperty(configName).GetProperty("content").GetString()!;
        int port = new Uri(a["ASPNETCORE_URLS"]).Port;
        var servers = haproxy.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("server ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal(replicas.Select(r => $"{r}:{port}"), servers.Order());
        Assert.Equal(replicas, balancer.GetProperty("depends_on").EnumerateObject().Select(p => p.Name).Order());
    }

    private static List<string> Names(JsonElement services) => [.. services.EnumerateObject().Select(p => p.Name).Order()];

    private static Dictionary<string, string> Environment(JsonElement services, string service) =>
        services.GetProperty(service).GetProperty("environment").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");

    private static List<(string Source, bool ReadOnly)> Volumes(JsonElement services, string service) =>
        [.. services.GetProperty(service).GetProperty("volumes").EnumerateArray()
            .Select(v => (v.GetProperty("source").GetString()!, v.TryGetProperty("read_only", out var ro) && ro.GetBoolean()))];
}
