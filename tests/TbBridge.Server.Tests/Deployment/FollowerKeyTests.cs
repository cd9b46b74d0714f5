using Grpc.Core;
using TbBridge.Server.Tests.Infrastructure;
using TbBridge.Testing;
using static TbBridge.Server.Tests.Deployment.DeploymentFiles;

namespace TbBridge.Server.Tests.Deployment;

/// <summary>
/// The shipped secrets, as a user copies them: the example env file and the Kubernetes Secret start the service
/// (every key long enough), and the follower sidecar receives one variable, <c>TBBRIDGE_API_KEY</c>, the secret of a
/// service key that may write the project it follows into and nothing else.
/// </summary>
public sealed class FollowerKeyTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    public static TheoryData<string> ServiceKeyFiles => ["deploy/tbbridge.env.example", "deploy/kubernetes/secret.yaml"];

    [Theory]
    [MemberData(nameof(ServiceKeyFiles))]
    public async Task ShippedKeys_StartTheServiceAndTheFollowerKeyWritesOnlyItsProject(string file)
    {
        var settings = ServiceSettings(file);
        string followerKey = FollowerKey(file);
        string project = FollowerProject(file);

        await using var server = await InProcessServer.StartAsync(_data.Path, [.. settings.Select(s => $"--{s.Key.Replace("__", ":", StringComparison.Ordinal)}={s.Value}")]);

        await using (var own = await IngestStream.OpenAsync(server.Channel, project, "r", "w0", "own", followerKey))
        {
            await own.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await own.WaitAckAsync(1));
        }

        var other = await Assert.ThrowsAsync<RpcException>(() => IngestStream.OpenAsync(server.Channel, "other-" + project, "r", "w0", "other", followerKey, retryBusy: false));
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
    }

    [Theory]
    [MemberData(nameof(ServiceKeyFiles))]
    public void FollowerKey_IsAServiceKeyThatMayWriteOnlyTheFollowersProject(string file)
    {
        var settings = ServiceSettings(file);
        string index = Assert.Single(settings, s => s.Key.EndsWith("__Key", StringComparison.Ordinal) && s.Value == FollowerKey(file)).Key.Split("__")[2];
        var grants = settings.Where(s => s.Key.StartsWith($"TbBridge__ApiKeys__{index}__", StringComparison.Ordinal) && (s.Key.Contains("__Write__", StringComparison.Ordinal) || s.Key.Contains("__Read__", StringComparison.Ordinal))).ToList();
        var grant = Assert.Single(grants);
        Assert.Equal(($"TbBridge__ApiKeys__{index}__Write__0", FollowerProject(file)), (grant.Key, grant.Value));
    }

    [Fact]
    public void ComposeFollower_ReceivesOnlyItsOwnKey()
    {
        var follower = Map(Load("deploy/compose.follow.yaml"), "services", "tbbridge-follow");
        Assert.Equal(["tbbridge-follow.env"], List(follower, "env_file").Cast<string>());
        Assert.DoesNotContain(Map(follower, "environment").Keys.Cast<string>(), k => k.StartsWith("TbBridge", StringComparison.Ordinal));

        var variables = EnvFile("deploy/tbbridge-follow.env.example");
        Assert.Equal("TBBRIDGE_API_KEY", Assert.Single(variables).Key);
    }

    [Theory]
    [InlineData("tbbridge.env")]
    [InlineData("tbbridge-follow.env")]
    public void CopiedEnvFiles_AreGitIgnored(string name)
    {
        var ignored = File.ReadAllLines(PathOf(".gitignore")).Select(l => l.Trim());
        Assert.Contains("/" + name, ignored);
        Assert.True(File.Exists(PathOf($"deploy/{name}.example")));
    }

    private static List<KeyValuePair<string, string>> ServiceSettings(string file) => file.EndsWith(".yaml", StringComparison.Ordinal)
        ? [.. Map(Assert.Single(LoadAll(file)), "stringData").Select(e => KeyValuePair.Create((string)e.Key, (string)e.Value))]
        : EnvFile(file);

    /// <summary>The follower's key: compose's follower env file, or the Secret key the Kubernetes Job's follower gets.</summary>
    private static string FollowerKey(string file)
    {
        if (!file.EndsWith(".yaml", StringComparison.Ordinal))
        {
            return Assert.Single(EnvFile("deploy/tbbridge-follow.env.example")).Value;
        }

        var pod = Map(Load("deploy/kubernetes/examples/training-job-with-follower.yaml"), "spec", "template", "spec");
        var env = List(Map(List(pod, "initContainers")[0]), "env").Cast<Dictionary<object, object>>();
        string secretKey = Str(env.Single(e => Str(e, "name") == "TBBRIDGE_API_KEY"), "valueFrom", "secretKeyRef", "key");
        return ServiceSettings(file).Single(s => s.Key == secretKey).Value;
    }

    private static string FollowerProject(string file)
    {
        var args = file.EndsWith(".yaml", StringComparison.Ordinal)
            ? List(Map(List(Map(Load("deploy/kubernetes/examples/training-job-with-follower.yaml"), "spec", "template", "spec"), "initContainers")[0]), "args").Cast<string>().ToList()
            : List(Map(Load("deploy/compose.follow.yaml"), "services", "tbbridge-follow"), "command").Cast<string>().ToList();
        return args[args.IndexOf("--project") + 1];
    }

    private static List<KeyValuePair<string, string>> EnvFile(string relative) =>
    [
        .. File.ReadAllLines(PathOf(relative))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => KeyValuePair.Create(l[..l.IndexOf('=')], l[(l.IndexOf('=') + 1)..])),
    ];
}
