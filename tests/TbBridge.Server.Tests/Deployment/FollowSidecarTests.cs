using static TbBridge.Server.Tests.Deployment.DeploymentFiles;

namespace TbBridge.Server.Tests.Deployment;

/// <summary>
/// The documented sidecars (compose and Kubernetes): the follower reads the very directory the training
/// container writes, read-only, reaches the service by a name that exists, and is given more time to drain on
/// SIGTERM than <c>upload --follow</c> takes at most (30 s for the last acks).
/// </summary>
public class FollowSidecarTests
{
    private const int FollowerDrainSeconds = 30;

    [Fact]
    public void ComposeSidecar_FollowsTheTrainingVolumeReadOnlyAndReachesTheComposeService()
    {
        var sidecar = Load("deploy/compose.follow.yaml");
        var follower = Map(sidecar, "services", "tbbridge-follow");
        var args = List(follower, "command").Cast<string>().ToList();
        Assert.Equal(["dotnet", "/app/cli/tbbridge.dll"], List(follower, "entrypoint").Cast<string>());
        Assert.Equal(("upload", "--follow"), (args[0], args.Single(a => a == "--follow")));

        string logDir = args[1];
        string trainVolume = List(sidecar, "services", "train", "volumes").Cast<string>().Single();
        string followVolume = List(follower, "volumes").Cast<string>().Single(v => v.EndsWith(":ro", StringComparison.Ordinal));
        Assert.Equal(trainVolume.Split(':')[0], followVolume.Split(':')[0]);
        Assert.Equal((logDir, "ro"), (followVolume.Split(':')[1], followVolume.Split(':')[2]));
        Assert.Contains(logDir, string.Join(' ', List(sidecar, "services", "train", "command").Cast<string>()), StringComparison.Ordinal);

        var server = new Uri(args[args.IndexOf("--server") + 1]);
        Assert.True(Map(Load("docker-compose.yml"), "services").ContainsKey(server.Host));
        Assert.True(TimeSpan.FromSeconds(int.Parse(Str(follower, "stop_grace_period").TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture)) > TimeSpan.FromSeconds(FollowerDrainSeconds));
    }

    [Fact]
    public void KubernetesSidecar_NativeSidecarOnTheJobsLogVolumeReachingTheService()
    {
        var job = Load("deploy/kubernetes/examples/training-job-with-follower.yaml");
        var pod = Map(job, "spec", "template", "spec");
        var follower = Map(List(pod, "initContainers")[0]);
        var train = Map(List(pod, "containers")[0]);
        Assert.Equal("Always", Str(follower, "restartPolicy")); // a native sidecar: it does not hold the Job open
        var args = List(follower, "args").Cast<string>().ToList();
        Assert.Equal(("upload", "--follow"), (args[0], args.Single(a => a == "--follow")));

        var followMount = List(follower, "volumeMounts").Cast<Dictionary<object, object>>().Single(m => (string)m["name"] == "logs");
        var trainMount = List(train, "volumeMounts").Cast<Dictionary<object, object>>().Single();
        Assert.Equal(Str(trainMount, "name"), Str(followMount, "name"));
        Assert.Equal((args[1], "true"), (Str(followMount, "mountPath"), Str(followMount, "readOnly")));

        var server = new Uri(args[args.IndexOf("--server") + 1]);
        var service = Assert.Single(LoadAll("deploy/kubernetes/server-service.yaml"));
        string ns = Str(Load("deploy/kubernetes/kustomization.yaml"), "namespace");
        Assert.Equal($"{Str(service, "metadata", "name")}.{ns}.svc", server.Host);
        Assert.Equal(ns, Str(job, "metadata", "namespace")); // the API key's Secret lives there too
        Assert.Equal(Str(List(service, "spec", "ports")[0], "port"), server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(int.Parse(Str(pod, "terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture) > FollowerDrainSeconds);

        var secretRef = Map(List(follower, "env").Cast<Dictionary<object, object>>().Single(e => Str(e, "name") == "TBBRIDGE_API_KEY"), "valueFrom", "secretKeyRef");
        var secret = Assert.Single(LoadAll("deploy/kubernetes/secret.yaml"));
        Assert.Equal(Str(secret, "metadata", "name"), Str(secretRef, "name"));
        Assert.True(Map(secret, "stringData").ContainsKey(Str(secretRef, "key")));
    }
}
