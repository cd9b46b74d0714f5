using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TbBridge.Analysis;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal.Alerts;
using TbBridge.Server.Tests.Infrastructure;
using TbBridge.Testing;

namespace TbBridge.MemoryMeasurements;

/// <summary>
/// The service's memory (a real child process, VmHWM) under the Watch-history and hanging-webhook cases of issue 19,
/// for docs/performance.md. Each measurement checks that what it measured was real (every alert counted arrived) and
/// throws when it was not.
/// </summary>
internal static class ServiceMemory
{
    public static async Task<string> WatchHistoryAsync()
    {
        const int stored = 100_000, watchers = 20;
        using var data = new TempFolder();
        using (var store = new AlertStore(Path.Combine(data.Path, "tbbridge.db")))
        {
            var evidence = new Dictionary<string, double> { ["is_nan"] = 1, ["is_inf"] = 0 };
            for (int i = 1; i <= stored; i++)
            {
                store.Add(new AlertRecord(
                    i, "p", "r", "w" + (i % 64), "nan_inf", AlertSeverity.Critical, "train/loss", i, string.Create(CultureInfo.InvariantCulture, $"train/loss is NaN at step {i}: training has broken down"),
                    1_800_000_000 + i, ["train/loss"], "training", "Usual causes: learning rate too high, log/division/sqrt of zero in a custom loss or layer, mixed precision overflow without loss scaling.", evidence));
            }
        }

        // All 20 at once, to measure what one history read costs (by default one key may have 4 reading at once).
        using var server = await ChildProcessServer.StartAsync(data.Path, ChildProcessServer.FreePort(), null, $"--TbBridge:MaxHistoryReadsPerKey={watchers}");
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address, new Grpc.Net.Client.GrpcChannelOptions { MaxReceiveMessageSize = null });
        long before = server.PeakResidentBytes();
        var client = new AlertService.AlertServiceClient(channel);
        var clock = Stopwatch.StartNew();
        var reads = Enumerable.Range(0, watchers).Select(_ => Task.Run(async () =>
        {
            using var watch = client.Watch(new WatchAlertsRequest { Filter = new AlertFilter { Project = "p" } });
            long count = 0, last = 0;
            while (count < stored && await watch.ResponseStream.MoveNext(CancellationToken.None))
            {
                Check(watch.ResponseStream.Current.Id > last, "a watcher's history is not in id order");
                last = watch.ResponseStream.Current.Id;
                count++;
            }

            return count;
        })).ToArray();

        // Stream opens while the histories are read: what a worker that (re)connects waits.
        var opens = new List<double>();
        for (int i = 0; !reads.All(t => t.IsCompleted) && i < 200; i++)
        {
            var open = Stopwatch.StartNew();
            await using var stream = await IngestStream.OpenAsync(channel, "p", "r", "opener" + i, "opener" + i);
            opens.Add(open.Elapsed.TotalMilliseconds);
            await stream.CompleteAsync();
        }

        long[] counts = await Task.WhenAll(reads);
        double seconds = clock.Elapsed.TotalSeconds;
        long peak = server.PeakResidentBytes();
        opens.Sort();
        Check(counts.All(c => c == stored), $"a watcher got {counts.Min()} of {stored} alerts");
        return string.Create(CultureInfo.InvariantCulture, $"watch: history of {stored} alerts to {watchers} watchers in {seconds:F1} s; service peak RSS {before / 1048576.0:F0} MB before, {peak / 1048576.0:F0} MB peak; ") +
            string.Create(CultureInfo.InvariantCulture, $"{opens.Count} stream opens meanwhile: median {(opens.Count > 0 ? opens[opens.Count / 2] : 0):F1} ms, max {(opens.Count > 0 ? opens[^1] : 0):F1} ms");
    }

    public static async Task<string> HangingWebhookAsync()
    {
        const int workers = 500;
        using var data = new TempFolder();
        var good = new ConcurrentDictionary<long, int>();
        int hangingCalls = 0;
        var hooks = WebApplication.CreateBuilder();
        hooks.Logging.ClearProviders();
        hooks.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = hooks.Build();
        using var release = new CancellationTokenSource();
        receiver.MapPost("/hang", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref hangingCalls);
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return Results.Ok();
        });
        receiver.MapPost("/good", async (HttpRequest request) =>
        {
            using var body = await System.Text.Json.JsonDocument.ParseAsync(request.Body);
            good.AddOrUpdate(body.RootElement.GetProperty("id").GetInt64(), 1, (_, n) => n + 1);
            return Results.Ok();
        });
        await receiver.StartAsync();
        string hookBase = receiver.Urls.First();

        using var server = await ChildProcessServer.StartAsync(
            data.Path, ChildProcessServer.FreePort(), null, $"--TbBridge:Webhooks:0:Url={hookBase}/hang", $"--TbBridge:Webhooks:1:Url={hookBase}/good");
        long before = server.PeakResidentBytes();
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < workers; i++)
        {
            await using var stream = await IngestStream.OpenAsync(channel, "hooks", "r", "w" + i, "s" + i);
            await stream.SendAsync(Batches.Scalars(1, ["train/loss"], [(0, 10L, 1.0, 1.0), (0, 11L, double.NaN, 1.0)]));
            Check(await stream.WaitAckAsync(1), $"worker {i}'s batch was not acked");
            await stream.CompleteAsync();
        }

        double sent = clock.Elapsed.TotalSeconds;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (good.Count < workers && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        long peak = server.PeakResidentBytes();
        await release.CancelAsync();
        Check(!good.IsEmpty, "the good endpoint got no alert");
        return string.Create(CultureInfo.InvariantCulture, $"webhooks: {workers} nan_inf alerts raised in {sent:F1} s; the good endpoint had {good.Count} ({good.Values.Sum()} posts) after {seconds:F1} s; ") +
            string.Create(CultureInfo.InvariantCulture, $"the hanging one {hangingCalls} calls; service peak RSS {before / 1048576.0:F0} MB at start, {peak / 1048576.0:F0} MB peak");
    }

    private static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException("The measurement is not valid: " + failure);
        }
    }
}
