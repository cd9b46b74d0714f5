using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

public sealed class WebhookTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Alert_WithJsonAndSlackWebhooks_IsPostedToBothAndRetriedAfterAFailure()
    {
        var received = new ConcurrentQueue<(string Path, string Body)>();
        int jsonCalls = 0;
        var hooks = WebApplication.CreateBuilder();
        hooks.Logging.ClearProviders();
        hooks.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = hooks.Build();
        receiver.MapPost("/{name}", async (string name, HttpRequest request) =>
        {
            string body = await new StreamReader(request.Body).ReadToEndAsync();
            if (name == "json" && Interlocked.Increment(ref jsonCalls) == 1)
            {
                return Results.StatusCode(503); // the first delivery fails: it must be retried
            }

            received.Enqueue((name, body));
            return Results.Ok();
        });
        await receiver.StartAsync();
        string hookBase = receiver.Urls.First();

        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            $"--TbBridge:Webhooks:0:Url={hookBase}/json",
            "--TbBridge:Webhooks:0:InitialBackoff=00:00:00.050",
            $"--TbBridge:Webhooks:1:Url={hookBase}/slack",
            "--TbBridge:Webhooks:1:Format=Slack");
        await using var stream = await IngestStream.OpenAsync(server.Channel, "hooks", "r1", "rank0", "s");
        await stream.SendAsync(Batches.Scalars(1, ["train/loss"], [(0, 41L, double.NaN, 1.0)]));
        Assert.True(await stream.WaitAckAsync(1));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (received.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, jsonCalls);
        using var json = JsonDocument.Parse(Assert.Single(received, r => r.Path == "json").Body);
        Assert.Equal("nan_inf", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal("critical", json.RootElement.GetProperty("severity").GetString());
        Assert.Equal(("hooks", "r1", "train/loss", 41L), (json.RootElement.GetProperty("project").GetString(), json.RootElement.GetProperty("run").GetString(), json.RootElement.GetProperty("tag").GetString(), json.RootElement.GetProperty("step").GetInt64()));
        using var slack = JsonDocument.Parse(Assert.Single(received, r => r.Path == "slack").Body);
        string text = slack.RootElement.GetProperty("text").GetString()!;
        Assert.Contains("nan_inf", text, StringComparison.Ordinal);
        Assert.Contains("hooks/r1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_OnATagNamingSlackControls_SlackTextShowsHintAndEvidenceEscapedAndJsonHasThem()
    {
        const string tag = "<!channel>/loss";
        var received = Channel.CreateUnbounded<(string Path, string Body)>();
        var hooks = WebApplication.CreateBuilder();
        hooks.Logging.ClearProviders();
        hooks.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = hooks.Build();
        receiver.MapPost("/{name}", async (string name, HttpRequest request) =>
        {
            received.Writer.TryWrite((name, await new StreamReader(request.Body).ReadToEndAsync()));
            return Results.Ok();
        });
        await receiver.StartAsync();
        string hookBase = receiver.Urls.First();

        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            $"--TbBridge:Webhooks:0:Url={hookBase}/json",
            $"--TbBridge:Webhooks:1:Url={hookBase}/slack",
            "--TbBridge:Webhooks:1:Format=Slack");
        await using var stream = await IngestStream.OpenAsync(server.Channel, "hooks", "r2", "rank0", "s");
        await stream.SendAsync(Batches.Scalars(1, [tag], [(0, 41L, double.NaN, 1.0)]));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var bodies = new Dictionary<string, string>();
        while (bodies.Count < 2)
        {
            var (path, body) = await received.Reader.ReadAsync(timeout.Token);
            bodies.Add(path, body);
        }

        using var json = JsonDocument.Parse(bodies["json"]);
        string hint = json.RootElement.GetProperty("hint").GetString()!;
        Assert.StartsWith("Usual causes:", hint, StringComparison.Ordinal);
        Assert.Equal(tag, json.RootElement.GetProperty("tag").GetString());
        Assert.Equal([tag], json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(1, json.RootElement.GetProperty("evidence").GetProperty("is_nan").GetDouble());

        using var slack = JsonDocument.Parse(bodies["slack"]);
        string text = slack.RootElement.GetProperty("text").GetString()!;
        Assert.DoesNotContain("<!channel>", text, StringComparison.Ordinal);
        Assert.Contains("tag `&lt;!channel&gt;/loss` at step 41", text, StringComparison.Ordinal);
        Assert.Contains("*Evidence:* is_nan = 1, is_inf = 0", text, StringComparison.Ordinal);
        Assert.Contains("*Hint:* " + hint.Replace("&", "&amp;", StringComparison.Ordinal), text, StringComparison.Ordinal);
    }
}
