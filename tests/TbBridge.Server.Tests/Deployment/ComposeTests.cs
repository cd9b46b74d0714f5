using static TbBridge.Server.Tests.Deployment.DeploymentFiles;

namespace TbBridge.Server.Tests.Deployment;

public class ComposeTests
{
    private static readonly Dictionary<object, object> Compose = Load("docker-compose.yml");

    [Fact]
    public void Compose_Server_BuildsFromTheServerDockerfileAndPublishesGrpcPort()
    {
        var server = Map(Compose, "services", "tbbridge");

        Assert.True(File.Exists(PathOf(Str(server, "build", "dockerfile"))));
        Assert.Equal("tbbridge/server:latest", Str(server, "image"));
        Assert.Contains("5080:5080", List(server, "ports"));
        Assert.Equal("unless-stopped", Str(server, "restart"));
        Assert.Equal("http://0.0.0.0:5080", Str(server, "environment", "ASPNETCORE_URLS"));
    }

    [Fact]
    public void Compose_ServerAndTensorBoard_ShareOneDataVolumeTensorBoardReadOnly()
    {
        var server = List(Compose, "services", "tbbridge", "volumes").Cast<string>().ToList();
        var tensorboard = List(Compose, "services", "tensorboard", "volumes").Cast<string>().ToList();

        Assert.Contains("tbbridge-data:/data", server);
        Assert.Contains("tbbridge-data:/data:ro", tensorboard);
        Assert.True(Map(Compose, "volumes").ContainsKey("tbbridge-data"));
        Assert.Equal("/data", Str(Compose, "services", "tbbridge", "environment", "TbBridge__DataDirectory"));
        Assert.Contains("6006:6006", List(Compose, "services", "tensorboard", "ports"));
        Assert.True(File.Exists(Path.Combine(PathOf(Str(Compose, "services", "tensorboard", "build", "context")), Str(Compose, "services", "tensorboard", "build", "dockerfile"))));
    }

    [Fact]
    public void Compose_Server_HealthCheckUsesTheGrpcHealthCommandAndKeysComeFromEnvFile()
    {
        var test = List(Compose, "services", "tbbridge", "healthcheck", "test").Cast<string>().ToList();

        Assert.Equal(["CMD", "dotnet", "/app/cli/tbbridge.dll", "health", "--server", "http://127.0.0.1:5080"], test);
        Assert.Contains("tbbridge.env", List(Compose, "services", "tbbridge", "env_file"));
        Assert.Equal("None", Str(Compose, "services", "tbbridge", "environment", "TbBridge__Anonymous"));
    }

    [Fact]
    public void Compose_EnvironmentAndEnvExample_NameRealServerOptions()
    {
        var keys = Map(Compose, "services", "tbbridge", "environment").Keys.Cast<string>().Where(k => k.StartsWith("TbBridge", StringComparison.Ordinal))
            .Concat(File.ReadAllLines(PathOf("deploy/tbbridge.env.example")).Select(l => l.TrimStart('#', ' ')).Where(l => l.StartsWith("TbBridge__", StringComparison.Ordinal)).Select(l => l[..l.IndexOf('=')]))
            .ToList();

        Assert.NotEmpty(keys);
        Assert.All(keys, ConfigurationKeys.AssertBindsToServerOptions);
        Assert.True(Enum.TryParse<AnonymousAccess>(Str(Compose, "services", "tbbridge", "environment", "TbBridge__Anonymous"), out _));
    }

    [Fact]
    public void ServerDockerfile_MultiStageNonRootWithHealthCheckAndDataVolume()
    {
        string dockerfile = File.ReadAllText(PathOf("docker/server.Dockerfile"));
        var from = dockerfile.Split('\n').Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, from.Count);
        Assert.Contains("dotnet/sdk:10.0", from[0], StringComparison.Ordinal);
        Assert.Contains("dotnet/aspnet:10.0", from[1], StringComparison.Ordinal);
        Assert.Contains("USER $APP_UID", dockerfile, StringComparison.Ordinal);
        Assert.Contains("VOLUME [\"/data\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains("EXPOSE 5080", dockerfile, StringComparison.Ordinal);
        Assert.Contains("\"health\", \"--server\"", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"/app/server/{typeof(TbBridgeServerOptions).Assembly.GetName().Name}.dll", dockerfile, StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/TbBridge.Cli", dockerfile, StringComparison.Ordinal);
        Assert.True(Directory.Exists(PathOf("src/TbBridge.Cli")));
    }
}
