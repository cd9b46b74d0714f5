using System.Net;
using System.Text.RegularExpressions;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.Web;

/// <summary>The page over plain HTTP: its headers, login and logout with antiforgery, who may read what, and its JSON.</summary>
public sealed partial class PageHttpTests : IDisposable
{
    private const string Key = "page-key-0123456789abcdef";
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Pages_AnyPage_StrictContentSecurityPolicyAndNoInlineScript()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        using var http = new HttpClient { BaseAddress = new Uri(server.WebAddress) };
        foreach (string path in (string[])["/", "/run?project=a&run=b", "/alerts", "/login"])
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            string html = await response.Content.ReadAsStringAsync();
            Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html); // every script is a file
            Assert.DoesNotContain(" on", Regex.Replace(html, "\\s+", " ").Replace(" one", "", StringComparison.Ordinal).Split('<').Where(t => !t.StartsWith('/')).Select(t => t.Split('>')[0]).Where(t => t.Contains(" on", StringComparison.Ordinal)).FirstOrDefault() ?? "", StringComparison.Ordinal);
        }

        using var js = await http.GetAsync("/static/app.js");
        Assert.Equal("text/javascript", js.Content.Headers.ContentType!.MediaType);
        Assert.DoesNotContain("innerHTML", await js.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WithoutAntiforgeryToken_Refused400()
    {
        await using var server = await StartWithKeyAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.WebAddress) };
        using var response = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = Key }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("tbbridge-key=", StringComparison.Ordinal)));
        using var logout = await http.PostAsync("/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
    }

    [Fact]
    public async Task Login_TokenAndValidKey_HttpOnlyStrictCookieThatReadsTheApi()
    {
        await using var server = await StartWithKeyAsync();
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(server.WebAddress) };

        using var before = await http.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);
        using var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);

        string form = await http.GetStringAsync("/login");
        string token = WebUtility.HtmlDecode(TokenField().Match(form).Groups[1].Value);
        using var wrong = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = token, ["key"] = "wrong-key-0123456789abcdef" }));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var login = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = token, ["key"] = Key, ["returnUrl"] = "//evil.example/" }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location!.OriginalString); // never another site
        string cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("tbbridge-key=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var after = await http.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains("\"name\":\"page\"", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_BearerHeader_ReadsOnlyItsProjects()
    {
        await using var server = await StartWithKeyAsync();
        await using var mine = await PageWorkers.OpenAsync(server.Channel, "mine", "r1", "gpu0", Key);
        await PageWorkers.SendLossAsync(mine, 1, 0, 30, nanAt: 25);
        using var http = new HttpClient { BaseAddress = new Uri(server.WebAddress) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);

        string runs = await http.GetStringAsync("/api/runs");
        Assert.Contains("\"project\":\"mine\"", runs, StringComparison.Ordinal);
        Assert.Contains("\"loss\":[{", runs, StringComparison.Ordinal);
        string run = await http.GetStringAsync("/api/run?project=mine&run=r1");
        Assert.Contains("\"x\":\"NaN\"", run, StringComparison.Ordinal); // the non-finite point, named
        Assert.Contains("\"kind\":\"nan_inf\"", run, StringComparison.Ordinal);
        string alerts = await http.GetStringAsync("/api/alerts?kind=nan_inf");
        Assert.Contains("\"step\":25", alerts, StringComparison.Ordinal);
        using var other = await http.GetAsync("/api/run?project=theirs&run=r1");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Anonymous_HostThatIsNotLoopback_GetsNothing()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        using var http = new HttpClient { BaseAddress = new Uri(server.WebAddress) };
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        rebound.Headers.Host = "evil.example";
        using var response = await http.SendAsync(rebound);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var loopback = await http.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.OK, loopback.StatusCode);
    }

    [Fact]
    public async Task EventStream_Opened_SendsTheRunsThenAlertsAsTheyAreRaised()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        using var http = new HttpClient { BaseAddress = new Uri(server.WebAddress) };
        using var response = await http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("retry: 2000", await reader.ReadLineAsync());
        await using var worker = await PageWorkers.OpenAsync(server.Channel, "p", "r", "w");
        await PageWorkers.SendLossAsync(worker, 1, 0, 20, nanAt: 10);
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!lines.Any(l => l.Contains("nan_inf", StringComparison.Ordinal)) || !lines.Any(l => l.Contains("\"run\":\"r\"", StringComparison.Ordinal) && l.StartsWith("data: [", StringComparison.Ordinal)))
        {
            lines.Add(await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended"));
        }

        Assert.Contains("event: alert", lines);
        Assert.Contains(lines, l => l.StartsWith("id: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"run\":\"r\"", StringComparison.Ordinal) && l.StartsWith("data: [", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GrpcPort_PagePath_NotAnsweredThere()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        using var http = new HttpClient { BaseAddress = new Uri(server.Address), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private Task<InProcessServer> StartWithKeyAsync() => InProcessServer.StartAsync(_data.Path,
        "--TbBridge:Anonymous=None", $"--TbBridge:ApiKeys:0:Key={Key}", "--TbBridge:ApiKeys:0:Name=page", "--TbBridge:ApiKeys:0:Write:0=mine");

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]*)\"")]
    private static partial Regex TokenField();
}
