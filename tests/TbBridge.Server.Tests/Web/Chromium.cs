using Microsoft.Playwright;

namespace TbBridge.Server.Tests.Web;

/// <summary>
/// Debian's chromium (<c>$TBBRIDGE_CHROMIUM</c>, else <c>/usr/bin/chromium</c>), driven by Microsoft.Playwright's own
/// driver from its package: nothing is downloaded. Screenshots go to <c>$TBBRIDGE_SCREENSHOTS</c> when it is set.
/// </summary>
internal static class Chromium
{
    public static string Path => Environment.GetEnvironmentVariable("TBBRIDGE_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    /// <summary>Null where the browser is there, or under CI=true (where a missing browser fails the tests instead).</summary>
    public static string? SkipReason =>
        File.Exists(Path) || Infrastructure.PythonWorker.IsCi
            ? null
            : $"No Chromium at {Path} (never skipped under CI=true): apt-get install chromium, or set TBBRIDGE_CHROMIUM.";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        return (playwright, browser);
    }

    /// <summary>Saves a screenshot of <paramref name="page"/> as <paramref name="name"/>.png when <c>$TBBRIDGE_SCREENSHOTS</c> names a folder.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("TBBRIDGE_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = System.IO.Path.Combine(folder, name + ".png"), FullPage = true });
        }
    }
}
