using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.Web;

/// <summary>
/// The page in a real Chromium against the real service on loopback, fed by a real gRPC ingest client. Screenshots of
/// each page are saved where <c>$TBBRIDGE_SCREENSHOTS</c> says (docs/images/ holds the README's).
/// </summary>
public sealed class PageBrowserTests : IAsyncLifetime
{
    private const string AlphaKey = "alpha-key-0123456789abcdef";
    private const string BetaKey = "beta-key-0123456789abcdef";
    private readonly TempFolder _data = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (Chromium.SkipReason is null)
        {
            (_playwright, _browser) = await Chromium.LaunchAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _data.Dispose();
    }

    [BrowserFact]
    public async Task RunsPage_FirstPointOfANewRun_ListedWithinTwoSecondsWithoutReload()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 640 } });
        await page.GotoAsync(server.WebAddress + "/");
        await page.Locator("#live.on").WaitForAsync(); // the event stream is open

        await using var worker = await PageWorkers.OpenAsync(server.Channel, "vision", "resnet-lr0.1", "gpu0");
        await PageWorkers.SendLossAsync(worker, 1, 0, 120);
        var clock = Stopwatch.StartNew();
        await page.Locator("tr[data-project='vision'][data-run='resnet-lr0.1']").WaitForAsync(new LocatorWaitForOptions { Timeout = 5000 });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"listed after {clock.Elapsed.TotalSeconds:F2} s");

        // A second run that went wrong is listed above it (needs attention first).
        await using var bad = await PageWorkers.OpenAsync(server.Channel, "vision", "vit-lr1.0", "gpu0");
        await PageWorkers.SendLossAsync(bad, 1, 0, 60, nanAt: 55);
        await using var nlp = await PageWorkers.OpenAsync(server.Channel, "nlp", "gpt-small", "gpu3");
        await PageWorkers.SendLossAsync(nlp, 1, 0, 200);
        await Eventually.HoldsAsync(async () => await page.Locator("tbody tr").CountAsync() == 3 && await page.Locator("tbody tr").First.GetAttributeAsync("data-run") == "vit-lr1.0", "the run with a critical alert first", 10);
        await page.Locator("tbody tr:first-child .sev.critical").WaitForAsync();
        await page.Locator("tbody tr[data-run='resnet-lr0.1'] svg.spark").WaitForAsync(new LocatorWaitForOptions { Timeout = 5000 });
        await Chromium.ScreenshotAsync(page, "runs");

        await page.SelectOptionAsync("select[aria-label='Project']", "nlp");
        await Eventually.HoldsAsync(async () => await page.Locator("tbody tr").CountAsync() == 1, "the project filter", 5);
    }

    [BrowserFact]
    public async Task RunPageAndFeed_NaNLoggedByAWorker_MarkerAtItsStepAndInTheFeedWithoutReload()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        await using var worker = await PageWorkers.OpenAsync(server.Channel, "vision", "resnet-lr0.1", "gpu0");
        await PageWorkers.SendLossAsync(worker, 1, 0, 100);
        await using var other = await PageWorkers.OpenAsync(server.Channel, "vision", "resnet-lr0.1", "gpu1");
        await PageWorkers.SendLossAsync(other, 1, 0, 100);

        var runPage = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await runPage.GotoAsync(server.WebAddress + "/run?project=vision&run=resnet-lr0.1");
        await runPage.Locator("section[data-worker='gpu0'] .chart[data-tag='loss'] path.curve").WaitForAsync();
        var feed = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 720 } });
        await feed.GotoAsync(server.WebAddress + "/alerts");
        await feed.Locator("#live.on").WaitForAsync();
        await runPage.Locator("#live.on").WaitForAsync();

        await PageWorkers.SendLossAsync(worker, 2, 100, 140, nanAt: 123);

        var marker = runPage.Locator("section[data-worker='gpu0'] .chart[data-tag='loss'] g[data-alert-kind='nan_inf'][data-alert-step='123']");
        await marker.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        await runPage.Locator("section[data-worker='gpu0'] .chart[data-tag='loss'] [data-nonfinite-step='123']").WaitForAsync();
        var card = runPage.Locator("#run-alerts .alert").Filter(new LocatorFilterOptions { HasText = "nan_inf" }).First;
        Assert.Contains("is_nan = 1", await card.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("vision/resnet-lr0.1/gpu0", await card.InnerTextAsync(), StringComparison.Ordinal);
        string? link = await runPage.Locator("section[data-worker='gpu0'] .chart[data-tag='loss'] .title a").GetAttributeAsync("href");
        Assert.Contains("runFilter=" + Uri.EscapeDataString("^vision\\/resnet\\-lr0\\.1\\/gpu0$"), link, StringComparison.Ordinal);
        Assert.Contains("tagFilter=" + Uri.EscapeDataString("^loss$"), link, StringComparison.Ordinal);
        Assert.Contains("pinnedCards=", link, StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(runPage, "run");

        var fed = feed.Locator("#feed .alert").Filter(new LocatorFilterOptions { HasText = "nan_inf" });
        await fed.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        Assert.Contains("step 123", await fed.First.InnerTextAsync(), StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(feed, "alerts");
    }

    [BrowserFact]
    public async Task Pages_TagThatLooksLikeHtml_ShownAsTextNeverRun()
    {
        // Worker names are held to [A-Za-z0-9._=+,@-] by the service (NameRules), so the HTML goes in through a tag,
        // the worker-supplied name that may hold any text; it reaches the chart title, the alert and the feed.
        const string evil = "<img src=x onerror=alert(1)>";
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var page = await _browser!.NewPageAsync();
        bool dialog = false;
        page.Dialog += (_, d) => { dialog = true; _ = d.DismissAsync(); };
        await using var worker = await PageWorkers.OpenAsync(server.Channel, "vision", "xss", "gpu0");
        await PageWorkers.SendLossAsync(worker, 1, 0, 30, nanAt: 20, lossTag: evil + "/loss");

        await page.GotoAsync(server.WebAddress + "/run?project=vision&run=xss");
        await page.GetByText(evil + "/loss").First.WaitForAsync();
        await page.GotoAsync(server.WebAddress + "/alerts");
        await page.Locator("#feed .alert").First.WaitForAsync();
        Assert.Contains(evil, await page.Locator("#feed").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        Assert.False(dialog);
    }

    [BrowserFact]
    public async Task Pages_KeyOfBeta_SeesNothingOfAlphaInPagesJsonOrEvents()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path,
            "--TbBridge:Anonymous=None",
            $"--TbBridge:ApiKeys:0:Key={AlphaKey}", "--TbBridge:ApiKeys:0:Name=alpha", "--TbBridge:ApiKeys:0:Write:0=alpha",
            $"--TbBridge:ApiKeys:1:Key={BetaKey}", "--TbBridge:ApiKeys:1:Name=beta", "--TbBridge:ApiKeys:1:Write:0=beta");
        await using var a = await PageWorkers.OpenAsync(server.Channel, "alpha", "secret-run", "gpu0", AlphaKey);
        await PageWorkers.SendLossAsync(a, 1, 0, 50, nanAt: 40);
        await using var b = await PageWorkers.OpenAsync(server.Channel, "beta", "open-run", "gpu0", BetaKey);
        await PageWorkers.SendLossAsync(b, 1, 0, 50);

        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1000, Height = 560 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.WebAddress + "/");
        Assert.EndsWith("/login?returnUrl=%2F", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#key", "not-a-key-at-all-really");
        await page.ClickAsync("button[type=submit]");
        await page.Locator(".error").WaitForAsync();
        await page.FillAsync("#key", BetaKey);
        await Chromium.ScreenshotAsync(page, "login");
        await page.ClickAsync("button[type=submit]");
        await page.Locator("tr[data-project='beta']").WaitForAsync();
        Assert.Equal(0, await page.Locator("tr[data-project='alpha']").CountAsync());
        Assert.DoesNotContain("alpha", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "tbbridge-key");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        await page.GotoAsync(server.WebAddress + "/run?project=alpha&run=secret-run");
        await page.GetByText("No such run").WaitForAsync();
        await page.GotoAsync(server.WebAddress + "/alerts");
        await page.Locator("#live.on").WaitForAsync();
        Assert.DoesNotContain("secret", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

        // The JSON and the event stream, with the same cookie as the browser's.
        foreach (string path in (string[])["/api/runs", "/api/alerts", "/api/run?project=alpha&run=secret-run", "/api/alerts?project=alpha"])
        {
            var response = await page.APIRequest.GetAsync(server.WebAddress + path);
            Assert.DoesNotContain("secret-run", await response.TextAsync(), StringComparison.Ordinal);
        }

        string events = await page.EvaluateAsync<string>(@"() => new Promise(done => {
            const s = new EventSource('/api/events'); let text = '';
            s.addEventListener('runs', e => { text += e.data; setTimeout(() => { s.close(); done(text); }, 1500); });
            s.addEventListener('alert', e => { text += e.data; });
        })");
        Assert.Contains("open-run", events, StringComparison.Ordinal);
        Assert.DoesNotContain("alpha", events, StringComparison.Ordinal);

        await page.GotoAsync(server.WebAddress + "/");
        await page.ClickAsync("form.logout button");
        await page.WaitForURLAsync("**/login");
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "tbbridge-key");
    }

    [BrowserFact]
    public async Task RunPage_AfterAServiceRestart_ShowsTheCurveFromTheWorkersFiles()
    {
        int grpcPort = FreePort(), webPort = FreePort();
        string[] ports = ["--urls", $"http://127.0.0.1:{grpcPort}", "--web-urls", $"http://127.0.0.1:{webPort}"];
        await using (var first = await InProcessServer.StartAsync(_data.Path, ports))
        {
            await using var worker = await PageWorkers.OpenAsync(first.Channel, "vision", "restarted", "gpu0");
            await PageWorkers.SendLossAsync(worker, 1, 0, 80, nanAt: 70);
            await worker.CompleteAsync();
        }

        var page = await _browser!.NewPageAsync();
        await using var second = await InProcessServer.StartAsync(_data.Path, ports);
        await page.GotoAsync($"http://127.0.0.1:{webPort}/run?project=vision&run=restarted");
        await page.Locator(".chart[data-tag='loss'] path.curve").WaitForAsync();
        string? d = await page.Locator(".chart[data-tag='loss'] path.curve").GetAttributeAsync("d");
        Assert.True(d!.Split('L').Length > 20, "the curve was rebuilt from the files");
        await page.Locator(".chart[data-tag='loss'] g[data-alert-step='70']").WaitForAsync();
        await page.GotoAsync($"http://127.0.0.1:{webPort}/");
        await page.Locator("tr[data-run='restarted'] .state.finished").WaitForAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
