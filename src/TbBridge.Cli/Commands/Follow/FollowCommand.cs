using System.Globalization;
using System.Runtime.InteropServices;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using TbBridge.Protocol.V1;

namespace TbBridge.Cli.Commands.Follow;

/// <summary>
/// <c>tbbridge upload &lt;logdir&gt; --follow</c>: streams a log directory that is still being written until
/// Ctrl+C or SIGTERM, with a live status line (plain lines when the output is not a terminal), then waits for
/// the service to acknowledge everything read and prints what each file sent.
/// </summary>
internal static class FollowCommand
{
    /// <summary>How often a plain (redirected) status line is printed, when something changed.</summary>
    private static readonly TimeSpan PlainStatusInterval = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(CliContext context, string logDir, Uri server, string project, Metadata headers, FollowSettings settings, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGTERM (docker stop, a pod's end) and SIGINT stop following; the process then drains and exits itself.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions { MaxSendMessageSize = null });
        var follower = new LogDirectoryFollower(logDir, project, new IngestService.IngestServiceClient(channel), headers, settings);
        bool live = context.Console.Profile.Capabilities.Interactive;
        if (!live)
        {
            follower.FileFound += file => context.Out.WriteLine($"following {file.Project}/{file.Run} ({Path.GetFileName(file.Path)})");
        }

        follower.Notice += line => (live ? context.Error : context.Out).WriteLine(line);

        await context.Out.WriteLineAsync($"following {logDir} into {server} (project {project}); Ctrl+C or SIGTERM stops".AsMemory(), CancellationToken.None).ConfigureAwait(false);
        var running = follower.RunAsync(stop.Token);
        if (live)
        {
            await context.Console.Status().StartAsync(Line(follower.Snapshot()), async status =>
            {
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(1), settings.Time, CancellationToken.None)).ConfigureAwait(false);
                    status.Status(Markup.Escape(Line(follower.Snapshot())));
                }
            }).ConfigureAwait(false);
        }
        else
        {
            string last = "";
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(PlainStatusInterval, settings.Time, CancellationToken.None)).ConfigureAwait(false);
                string line = Line(follower.Snapshot());
                if (line != last && !running.IsCompleted)
                {
                    await context.Out.WriteLineAsync(line.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                    last = line;
                }
            }
        }

        var outcomes = await running.ConfigureAwait(false);
        foreach (var (file, acknowledged) in outcomes)
        {
            string line = string.Create(
                CultureInfo.InvariantCulture,
                $"{file.File.Project}/{file.File.Run} ({Path.GetFileName(file.File.Path)}): {file.Sent:N0} points sent, {file.AlreadyThere:N0} already on the service, {file.Acknowledged:N0} of {file.Read:N0} read acknowledged");
            if (file.Truncated)
            {
                line += $": TRUNCATED, not followed ({file.LastError})";
            }
            else if (file.Refused)
            {
                line += $": REFUSED, not followed ({file.LastError})";
            }
            else if (!acknowledged)
            {
                line += $": NOT ALL ACKNOWLEDGED ({file.LastError ?? "the service did not answer in time"})";
            }
            else if (file.Replaced)
            {
                line += ": the file was created again under its name; its new content is followed as a new stream";
            }

            await context.Out.WriteLineAsync(line.AsMemory(), CancellationToken.None).ConfigureAwait(false);
        }

        int failed = outcomes.Count(o => !o.Acknowledged);
        await context.Out.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"stopped: {outcomes.Sum(o => o.File.Sent):N0} points sent, {outcomes.Sum(o => o.File.AlreadyThere):N0} already there, {failed} of {outcomes.Count} files not fully acknowledged").AsMemory(), CancellationToken.None).ConfigureAwait(false);
        int truncated = outcomes.Count(o => o.File.Truncated);
        if (truncated > 0)
        {
            await context.Error.WriteLineAsync($"tbbridge upload: {truncated} followed files were truncated while followed; what they held after the cut was not uploaded".AsMemory(), CancellationToken.None).ConfigureAwait(false);
        }

        return outcomes.Any(o => o.File.Refused) ? ExitCodes.Refused : failed > 0 ? ExitCodes.Unhealthy : ExitCodes.Ok;

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>The status line: runs and files followed, points sent and acknowledged, and how far behind the follower is.</summary>
    public static string Line(FollowSnapshot s)
    {
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"{s.Runs} runs, {s.Files} files ({s.Connected} connected), {s.Sent:N0} points sent, {s.Acknowledged:N0} acknowledged, lag {s.Unacknowledged:N0} points unacknowledged + {s.BytesBehind:N0} bytes unread");
        return s.Connected < s.Files && s.LastError is { } error ? line + $"; service away: {error}" : line;
    }
}
