using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Web;
using TbBridge.Server.Web.History;
using Xunit.Abstractions;

namespace TbBridge.Server.Tests.Web;

public sealed class PageUnitTests
{
    private readonly ITestOutputHelper _output;

    public PageUnitTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void CurveSeries_MillionPoints_KeepsAtMostItsCapacitySpreadOverTheRunWithTheNewestAndTheNaN()
    {
        var series = new CurveSeries(256);
        for (long step = 0; step < 1_000_000; step++)
        {
            series.Add(step, step == 777_777 ? double.NaN : step);
        }

        var points = series.Points();
        Assert.InRange(points.Length, 128, 256 + 2);
        Assert.Equal(0, points[0].Step);
        Assert.Equal(999_999, points[^1].Step);
        Assert.Contains(points, p => p.Step == 777_777 && float.IsNaN(p.Value));
        Assert.True(points.Zip(points.Skip(1)).All(p => p.First.Step < p.Second.Step));
        Assert.InRange(points.Count(p => p.Step < 500_000), points.Length / 2 - 3, points.Length / 2 + 3); // evenly spread
    }

    [Fact]
    public void TensorBoardLinks_RunAndTagWithRegexCharacters_Escaped()
    {
        string link = TensorBoardLinks.TimeSeries(new Uri("http://tb:6006"), "vision", "resnet-lr0.1+x", "gpu0", "loss(train)");
        Assert.StartsWith("http://tb:6006/?runFilter=", link, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString("^vision\\/resnet\\-lr0\\.1\\+x\\/gpu0$"), link, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString("^loss\\(train\\)$"), link, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString("[{\"plugin\":\"scalars\",\"tag\":\"loss(train)\"}]"), link, StringComparison.Ordinal);
        Assert.EndsWith("#timeseries", link, StringComparison.Ordinal);
    }

    [Fact]
    public void WebhookPayload_HookWithPageUrl_LinksTheAlertOnItsRunPage()
    {
        var alert = new AlertRecord(42, "vision", "resnet/a", "gpu0", "nan_inf", AlertSeverity.Critical, "loss", 123, "loss is NaN", 1.0, ["loss"], "loss", "hint",
            new Dictionary<string, double> { ["value"] = double.NaN });
        using var json = System.Text.Json.JsonDocument.Parse(WebhookPayload.Create(new WebhookOptions { Format = WebhookFormat.Json, PageUrl = new Uri("https://tb.example/") }, alert));
        Assert.Equal("https://tb.example/run?project=vision&run=resnet%2Fa#alert-42", json.RootElement.GetProperty("url").GetString());
        using var slack = System.Text.Json.JsonDocument.Parse(WebhookPayload.Create(new WebhookOptions { Format = WebhookFormat.Slack, PageUrl = new Uri("https://tb.example/") }, alert));
        Assert.EndsWith("\n<https://tb.example/run?project=vision&amp;run=resnet%2Fa#alert-42|Open it on its curve>", slack.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        var none = Encoding.UTF8.GetString(WebhookPayload.Create(new WebhookOptions { Format = WebhookFormat.Json }, alert));
        Assert.DoesNotContain("\"url\"", none, StringComparison.Ordinal);
    }

    [Fact]
    public void RunView_AlertWithNonFiniteEvidence_NamesItNaNOrInf()
    {
        var alert = new AlertRecord(1, "p", "r", "w", "nan_inf", AlertSeverity.Critical, "loss", 5, "m", 1.0, ["loss"], "loss", "h",
            new Dictionary<string, double> { ["a"] = double.NaN, ["b"] = double.PositiveInfinity, ["c"] = 1.5 });
        var evidence = RunView.Alert(alert).Evidence;
        Assert.Equal([("a", null, "NaN"), ("b", null, "Inf"), ("c", 1.5, null)], evidence.Select(e => (e.Name, e.Value, e.Text)));
    }

    /// <summary>The number in docs/performance.md: 1,000 runs × 50 tags, 10,000 steps each, through the real recorder.</summary>
    [Fact]
    public void CurveHistory_1000RunsBy50Tags_MemoryStaysBounded()
    {
        string[] roles = ["loss", "val_loss", "accuracy", "val_accuracy", "lr", "grad_norm"];
        string[] tags = [.. Enumerable.Range(0, 50).Select(i => i < 12 ? $"{roles[i % 6]}{(i < 6 ? "" : "_" + i)}" : $"layer{i}/weight_norm")];
        var history = new CurveHistory(new WebOptions(), Path.GetTempPath(), NullLogger.Instance);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        for (int run = 0; run < 1000; run++)
        {
            for (long step = 0; step < 10_000; step += 10)
            {
                foreach (string tag in tags)
                {
                    history.Add("p", "run" + run, "gpu0", tag, step, step * 0.5);
                }
            }
        }

        clock.Stop();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        double mib = (after - before) / 1024.0 / 1024.0;
        _output.WriteLine($"1000 runs x 50 tags (12 recognised), 1000 points each: {mib:F1} MiB measured, {history.Bytes / 1024.0 / 1024.0:F1} MiB counted, {50_000_000 / clock.Elapsed.TotalSeconds / 1e6:F1} M points/s recorded");
        GC.KeepAlive(history);
        // The heap delta is only meaningful when this test runs alone (others share the process); the series' own count always is.
        Assert.InRange(history.Bytes / 1024.0 / 1024.0, 1, 60);
    }
}
