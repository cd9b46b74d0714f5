using Grpc.Core;
using TbBridge.Protocol.V1;
using TbBridge.Remote.Internal;

namespace TbBridge.Cli.Commands.Follow;

/// <summary>
/// Follows a whole log directory: every poll it looks for runs and event files (the way <c>upload</c> plans
/// them, so a follower picks up where an earlier upload stopped) and starts a <see cref="FileFollower"/> for each
/// new one, keyed by stream id: a file deleted and created again under its name is a new one. Each file is its own
/// stream, on one shared channel.
/// </summary>
internal sealed class LogDirectoryFollower
{
    private readonly string _logDir;
    private readonly string _project;
    private readonly IngestService.IngestServiceClient _client;
    private readonly Metadata _headers;
    private readonly FollowSettings _settings;
    private readonly Dictionary<string, (FileFollower Follower, Task<bool> Task)> _files = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public LogDirectoryFollower(string logDir, string project, IngestService.IngestServiceClient client, Metadata headers, FollowSettings settings)
    {
        _logDir = logDir;
        _project = project;
        _client = client;
        _headers = headers;
        _settings = settings;
    }

    /// <summary>Raised, on the follower's loop, for each file it starts following.</summary>
    public event Action<UploadFile>? FileFound;

    /// <summary>Raised, on a file's loop, when a followed file was found truncated or created again.</summary>
    public event Action<string>? Notice;

    public IReadOnlyList<FileFollower> Files
    {
        get
        {
            lock (_gate)
            {
                return _files.Values.Select(f => f.Follower).ToArray();
            }
        }
    }

    public FollowSnapshot Snapshot() => FollowSnapshot.Of(Files);

    /// <summary>
    /// Follows until <paramref name="stop"/>, then lets every file hand over what it read, for at most
    /// <see cref="FollowSettings.DrainTimeout"/>. Returns each file's outcome: true when all it read was acknowledged.
    /// </summary>
    public async Task<IReadOnlyList<(FileFollower File, bool Acknowledged)>> RunAsync(CancellationToken stop)
    {
        using var abort = new CancellationTokenSource();
        while (!stop.IsCancellationRequested)
        {
            Discover(stop, abort.Token);
            try
            {
                await Task.Delay(_settings.PollInterval, _settings.Time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        Discover(stop, abort.Token); // files that appeared since the last scan are read and sent too
        (FileFollower Follower, Task<bool> Task)[] all;
        lock (_gate)
        {
            all = [.. _files.Values];
        }

        var drained = Task.WhenAll(all.Select(f => f.Task));
        var deadline = Task.Delay(_settings.DrainTimeout, _settings.Time, CancellationToken.None);
        if (await Task.WhenAny(drained, deadline).ConfigureAwait(false) != drained)
        {
            await abort.CancelAsync().ConfigureAwait(false);
        }

        var outcomes = new List<(FileFollower, bool)>();
        foreach (var (follower, task) in all)
        {
            bool acknowledged;
            try
            {
                acknowledged = await task.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException or UnauthorizedAccessException)
            {
                acknowledged = false;
            }

            outcomes.Add((follower, acknowledged));
        }

        return outcomes;
    }

    private void Discover(CancellationToken stop, CancellationToken abort)
    {
        if (!Directory.Exists(_logDir))
        {
            return; // the job has not created it yet
        }

        IReadOnlyList<UploadFile> planned;
        try
        {
            planned = UploadFile.Plan(_logDir, _project);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // a directory vanished mid-scan: the next poll sees the settled tree
        }

        foreach (var file in planned)
        {
            if (file.Identity is null)
            {
                continue; // its first record is still being written: the next poll knows which file it is
            }

            lock (_gate)
            {
                if (_files.ContainsKey(file.StreamId))
                {
                    continue; // followed already; a file created again under the same name is a new stream id
                }
            }

            var backoff = new ExponentialBackoffPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), new Random());
            var follower = new FileFollower(file, _client, _headers, _settings, backoff) { Notice = line => Notice?.Invoke(line) };
            var task = Task.Run(() => follower.RunAsync(stop, abort), CancellationToken.None);
            lock (_gate)
            {
                _files[file.StreamId] = (follower, task);
            }

            FileFound?.Invoke(file);
        }
    }
}
