namespace TbBridge.LoadTest;

/// <summary>
/// People with the page open while the load runs: each keeps the event stream (<c>/api/events</c>) open and read,
/// and each second fetches the runs list and one run's curves and alerts, as the runs and run pages do.
/// </summary>
internal sealed class PageViewers
{
    private readonly string _web;
    private readonly int _count;
    private readonly int _runs;
    private long _requests;
    private long _failures;
    private long _eventBytes;

    public PageViewers(string web, int count, int runs)
    {
        _web = web;
        _count = count;
        _runs = runs;
    }

    public long Requests => Interlocked.Read(ref _requests);

    public long Failures => Interlocked.Read(ref _failures);

    public long EventBytes => Interlocked.Read(ref _eventBytes);

    public Task RunAsync(CancellationToken stop) => Task.WhenAll(Enumerable.Range(0, _count).Select(i => Task.Run(() => ViewAsync(i, stop))));

    private async Task ViewAsync(int viewer, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_web), Timeout = Timeout.InfiniteTimeSpan };
        var events = Task.Run(() => FollowAsync(http, stop));
        for (int tick = 0; !stop.IsCancellationRequested; tick++)
        {
            try
            {
                await Fetch(http, "/api/runs", stop);
                await Fetch(http, $"/api/run?project=loadtest&run=load-{(viewer + tick) % Math.Max(1, _runs)}", stop);
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await events;
    }

    private async Task Fetch(HttpClient http, string path, CancellationToken stop)
    {
        using var response = await http.GetAsync(path, stop);
        await response.Content.ReadAsByteArrayAsync(stop);
        Interlocked.Increment(ref _requests);
        if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.NotFound)
        {
            Interlocked.Increment(ref _failures);
        }
    }

    private async Task FollowAsync(HttpClient http, CancellationToken stop)
    {
        try
        {
            using var response = await http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, stop);
            using var stream = await response.Content.ReadAsStreamAsync(stop);
            var buffer = new byte[16384];
            int read;
            while ((read = await stream.ReadAsync(buffer, stop)) > 0)
            {
                Interlocked.Add(ref _eventBytes, read);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
        }
    }
}
