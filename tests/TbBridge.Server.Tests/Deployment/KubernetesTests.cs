using System.Text.Json;
using static TbBridge.Server.Tests.Deployment.DeploymentFiles;

namespace TbBridge.Server.Tests.Deployment;

public class KubernetesTests
{
    private static readonly List<Dictionary<object, object>> Resources =
        List(Load("deploy/kubernetes/kustomization.yaml"), "resources").Cast<string>()
            .SelectMany(file => LoadAll(Path.Combine("deploy/kubernetes", file)))
            .ToList();

    private static Dictionary<object, object> Resource(string kind, string name) =>
        Assert.Single(Resources, r => Str(r, "kind") == kind && Str(r, "metadata", "name") == name);

    [Fact]
    public void Kustomization_EveryResource_ParsesWithKindAndName()
    {
        Assert.Equal(10, Resources.Count);
        Assert.All(Resources, r => Assert.False(string.IsNullOrEmpty(Str(r, "kind") + Str(r, "metadata", "name"))));
        Assert.Contains(Resources, r => Str(r, "kind") == "PodDisruptionBudget");
    }

    [Fact]
    public void ServerDeployment_GrpcPortProbesAndResources()
    {
        var deployment = Resource("Deployment", "tbbridge-server");
        var container = Map(List(deployment, "spec", "template", "spec", "containers")[0]);

        Assert.Equal("tbbridge/server:latest", Str(container, "image"));
        var port = Map(List(container, "ports")[0]);
        Assert.Equal(("grpc", "5080"), (Str(port, "name"), Str(port, "containerPort")));
        Assert.Equal("5080", Str(container, "readinessProbe", "grpc", "port"));
        Assert.Equal("5080", Str(container, "livenessProbe", "grpc", "port"));
        Assert.False(string.IsNullOrEmpty(Str(container, "resources", "requests", "cpu")));
        Assert.False(string.IsNullOrEmpty(Str(container, "resources", "requests", "memory")));
        Assert.Equal("true", Str(deployment, "spec", "template", "spec", "securityContext", "runAsNonRoot"));
    }

    [Fact]
    public void ServerAndTensorBoard_MountTheSameReadWriteManyClaim()
    {
        var claim = Resource("PersistentVolumeClaim", "tbbridge-data");
        Assert.Contains("ReadWriteMany", List(claim, "spec", "accessModes"));

        foreach (string name in new[] { "tbbridge-server", "tensorboard" })
        {
            var spec = Map(Resource("Deployment", name), "spec", "template", "spec");
            var volume = List(spec, "volumes").Cast<Dictionary<object, object>>().Single(v => Str(v, "name") == "data");
            Assert.Equal("tbbridge-data", Str(volume, "persistentVolumeClaim", "claimName"));
            var mount = List(spec, "containers", 0, "volumeMounts").Cast<Dictionary<object, object>>().Single(m => Str(m, "name") == "data");
            Assert.Equal("/data", Str(mount, "mountPath"));
        }

        var tensorboardMount = List(Resource("Deployment", "tensorboard"), "spec", "template", "spec", "containers", 0, "volumeMounts")
            .Cast<Dictionary<object, object>>().Single(m => Str(m, "name") == "data");
        Assert.Equal("true", Str(tensorboardMount, "readOnly"));
    }

    [Fact]
    public void Services_SelectTheirPodsAndServerSpeaksH2c()
    {
        var service = Resource("Service", "tbbridge");
        var port = Map(List(service, "spec", "ports")[0]);
        Assert.Equal(("5080", "grpc", "kubernetes.io/h2c"), (Str(port, "port"), Str(port, "targetPort"), Str(port, "appProtocol")));

        foreach (var (serviceName, deploymentName) in new[] { ("tbbridge", "tbbridge-server"), ("tensorboard", "tensorboard") })
        {
            var selector = Map(Resource("Service", serviceName), "spec", "selector");
            var labels = Map(Resource("Deployment", deploymentName), "spec", "template", "metadata", "labels");
            Assert.All(selector, pair => Assert.Equal(pair.Value, labels[pair.Key]));
        }

        var pdbSelector = Map(Resource("PodDisruptionBudget", "tbbridge-server"), "spec", "selector", "matchLabels");
        var serverLabels = Map(Resource("Deployment", "tbbridge-server"), "spec", "template", "metadata", "labels");
        Assert.All(pdbSelector, pair => Assert.Equal(pair.Value, serverLabels[pair.Key]));
    }

    [Fact]
    public void SecretAndConfigMap_NameRealServerOptionsAndAreWiredIntoTheServer()
    {
        var secret = Resource("Secret", "tbbridge-api-keys");
        Assert.All(Map(secret, "stringData").Keys.Cast<string>(), ConfigurationKeys.AssertBindsToServerOptions);

        var config = Resource("ConfigMap", "tbbridge-config");
        using var appsettings = JsonDocument.Parse(Str(config, "data", "appsettings.Production.json"));
        foreach (var option in appsettings.RootElement.GetProperty("TbBridge").EnumerateObject())
        {
            ConfigurationKeys.AssertBindsToServerOptions($"TbBridge__{option.Name}");
        }

        var container = Map(List(Resource("Deployment", "tbbridge-server"), "spec", "template", "spec", "containers")[0]);
        Assert.Equal("tbbridge-api-keys", Str(container, "envFrom", 0, "secretRef", "name"));
        Assert.Equal("tbbridge-postgres", Str(container, "envFrom", 1, "secretRef", "name"));
        Assert.All(Map(Resource("Secret", "tbbridge-postgres"), "stringData").Keys.Cast<string>(), ConfigurationKeys.AssertBindsToServerOptions);
        var configMount = List(container, "volumeMounts").Cast<Dictionary<object, object>>().Single(m => Str(m, "name") == "config");
        Assert.Equal("/app/server/appsettings.Production.json", Str(configMount, "mountPath"));
    }

    [Fact]
    public void ServerDeployment_TwoReplicasRollingWithoutGoingBelowOneAndAPdbKeepingOne()
    {
        var deployment = Resource("Deployment", "tbbridge-server");
        Assert.Equal("2", Str(deployment, "spec", "replicas"));
        Assert.Equal("0", Str(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable"));
        Assert.Equal("1", Str(Resource("PodDisruptionBudget", "tbbridge-server"), "spec", "minAvailable"));
        Assert.Contains("TbBridge__Postgres", Map(Resource("Secret", "tbbridge-postgres"), "stringData").Keys.Cast<string>());
    }
}
