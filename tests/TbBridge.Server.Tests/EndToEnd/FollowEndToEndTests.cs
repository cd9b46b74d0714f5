using TbBridge.Events;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// <c>tbbridge upload --follow</c> as a sidecar runs it: a real follower process beside a log directory that a
/// "training job" (the test) writes in bursts, and a real service on loopback. What the service holds is read back
/// with the tests' own TFRecord loop and TensorBoard protos, and every point must be there exactly once.
/// </summary>
public sealed class FollowEndToEndTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly TempFolder _logs = new();
    private readonly TempFolder _staging = new();

    public void Dispose()
    {
        _data.Dispose();
        _logs.Dispose();
        _staging.Dispose();
    }

    [Fact]
    public async Task Follow_FileGrowsInBurstsCutMidRecord_NewFileAndNewRun_EveryPointOnceAndAllAcknowledgedOnSigterm()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var live = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "runA"), "train/loss", 0, 300);
        using var follower = FollowerProcess.Start(_logs.Path, server.Address, "live");

        // First burst: the file's header and records up to the middle of record 120. The follower must send the
        // 119 whole records before it and wait for the rest of the cut one.
        int cut = live.Frames[120].Start + (live.Frames[120].Length / 2);
        live.AppendUpTo(cut);
        await WaitForAsync("live", "runA", "train/loss", 119);
        Assert.Equal(Enumerable.Range(0, 119).Select(i => (long)i), Steps("live", "runA", "train/loss"));

        // The rest of the cut record, then the remaining records in three bursts (each cut somewhere inside one).
        live.AppendUpTo(live.Frames[200].Start + 5);
        live.AppendUpTo(live.Frames[260].End - 3);
        live.AppendUpTo(live.Bytes.Length);
        await WaitForAsync("live", "runA", "train/loss", 300);

        // A second file in the same run (the job restarted its writer) and a new run, both appearing while it follows.
        var second = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "runA"), "val/loss", 0, 40);
        second.AppendUpTo(second.Bytes.Length);
        var other = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "sub", "runB"), "train/loss", 1000, 150);
        other.AppendUpTo(other.Frames[70].End);
        await WaitForAsync("live", "sub/runB", "train/loss", 70);
        other.AppendUpTo(other.Bytes.Length);
        await WaitForAsync("live", "sub/runB", "train/loss", 150);
        await WaitForAsync("live", "runA", "val/loss", 40);

        var stopped = await follower.StopAsync();
        Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Error);
        Assert.Contains("stopped: 490 points sent, 0 already there, 0 of 3 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);

        await server.StopAsync();
        AssertExactlyOnce(live, "live", "runA");
        AssertExactlyOnce(second, "live", "runA");
        AssertExactlyOnce(other, "live", "sub/runB");
        Assert.Equal(490, IndependentEvents.Scalars(_data.Path, "live", "runA").Count + IndependentEvents.Scalars(_data.Path, "live", "sub/runB").Count);
        Assert.Empty(Errors("live", "runA"));
    }

    [Fact]
    public async Task Follow_FollowerStoppedAndStartedAgain_SendsOnlyWhatTheServiceDoesNotHold()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var live = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "run"), "train/loss", 0, 500);
        live.AppendUpTo(live.Frames[300].Start + 7);

        using (var first = FollowerProcess.Start(_logs.Path, server.Address, "restart"))
        {
            await WaitForAsync("restart", "run", "train/loss", 299);
            var stopped = await first.StopAsync();
            Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Error);
            Assert.Contains("stopped: 299 points sent, 0 already there, 0 of 1 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);
        }

        live.AppendUpTo(live.Bytes.Length); // the job went on logging while no follower ran
        using (var second = FollowerProcess.Start(_logs.Path, server.Address, "restart"))
        {
            await WaitForAsync("restart", "run", "train/loss", 500);
            var stopped = await second.StopAsync();
            Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Error);
            Assert.Contains("stopped: 201 points sent, 299 already there, 0 of 1 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);
        }

        await server.StopAsync();
        AssertExactlyOnce(live, "restart", "run");
        Assert.Single(EventFiles.Files(_data.Path, "restart", "run")); // one event file per stream, continued on resume
    }

    [Fact]
    public async Task Follow_ServiceKilledAndRestartedWhileTheJobLogs_NothingLostNothingTwice()
    {
        int port = ChildProcessServer.FreePort();
        var live = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "run"), "train/loss", 0, 800);
        live.AppendUpTo(live.Frames[400].End);
        var server = await ChildProcessServer.StartAsync(_data.Path, port);
        try
        {
            using var follower = FollowerProcess.Start(_logs.Path, server.Address, "crash");
            await WaitForAsync("crash", "run", "train/loss", 400);

            server.Kill(); // SIGKILL: what was written and not yet acked may be lost, and must come again
            live.AppendUpTo(live.Frames[600].Start + 9);
            live.AppendUpTo(live.Bytes.Length);
            server.Dispose();
            server = await ChildProcessServer.StartAsync(_data.Path, port);

            await WaitForAsync("crash", "run", "train/loss", 800);
            var stopped = await follower.StopAsync();
            Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Error);
            Assert.Contains("0 of 1 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);
        }
        finally
        {
            server.Dispose();
        }

        AssertExactlyOnce(live, "crash", "run");
        Assert.Empty(Errors("crash", "run"));
    }

    [Fact]
    public async Task Follow_ServiceRefusesTheStream_StopsFollowingThatFileSaysWhyAndExitsFour()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path, "--TbBridge:Anonymous=None");
        var live = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "run"), "train/loss", 0, 50);
        live.AppendUpTo(live.Bytes.Length);
        using var follower = FollowerProcess.Start(_logs.Path, server.Address, "keyless");
        await Eventually.HoldsAsync(() => follower.Output.Contains("service away: Unauthenticated", StringComparison.Ordinal), "the follower was refused");

        // A refusal that would come again is not retried: the follower goes on with nothing to send for this file.
        var stopped = await follower.StopAsync();
        Assert.True(stopped.ExitCode == 4, stopped.Output + stopped.Error);
        Assert.Contains("REFUSED, not followed (Unauthenticated: An API key is required", stopped.Output, StringComparison.Ordinal);
        Assert.Empty(EventFiles.Files(_data.Path, "keyless", "run"));
    }

    [Fact]
    public async Task Follow_ServiceNeverReachable_StopsOnSigtermSayingWhatWasNotHandedOverAndExitsThree()
    {
        var live = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "run"), "train/loss", 0, 50);
        live.AppendUpTo(live.Bytes.Length);
        using var follower = FollowerProcess.Start(_logs.Path, $"http://127.0.0.1:{ChildProcessServer.FreePort()}", "away");
        await Eventually.HoldsAsync(() => follower.Output.Contains("following away/run (", StringComparison.Ordinal), "the follower found the file");

        var stopped = await follower.StopAsync();
        Assert.True(stopped.ExitCode == 3, stopped.Output + stopped.Error);
        Assert.Contains("NOT ALL ACKNOWLEDGED", stopped.Output, StringComparison.Ordinal);
        Assert.Contains("stopped: 0 points sent, 0 already there, 1 of 1 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_FileDeletedAndCreatedAgainUnderItsName_TheNewFileIsUploadedFromItsStartAndNothingIsLostOrDoubled()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        string runDirectory = Path.Combine(_logs.Path, "run");
        var old = new GrowingEventFile(_staging.Path, runDirectory, "train/loss", 0, 500);
        old.AppendUpTo(old.Bytes.Length);
        using var follower = FollowerProcess.Start(_logs.Path, server.Address, "again");
        await WaitForAsync("again", "run", "train/loss", 500);

        // The job starts over and writes a new file under the same name: 1,000 new points.
        var recreated = new GrowingEventFile(_staging.Path, runDirectory, "val/loss", 10_000, 1000, Path.GetFileName(old.TargetPath));
        File.Delete(old.TargetPath);
        recreated.AppendUpTo(recreated.Frames[400].End + 3);
        await Eventually.HoldsAsync(() => follower.Output.Contains("was created again under its name", StringComparison.Ordinal), "the follower saw the new file");
        recreated.AppendUpTo(recreated.Bytes.Length);
        await WaitForAsync("again", "run", "val/loss", 1000);

        var stopped = await follower.StopAsync();
        Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Error);
        Assert.Contains("stopped: 1,500 points sent, 0 already there, 0 of 2 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);
        await server.StopAsync();
        AssertExactlyOnce(old, "again", "run");
        AssertExactlyOnce(recreated, "again", "run");
        Assert.Equal(1500, IndependentEvents.Scalars(_data.Path, "again", "run").Count);
    }

    [Fact]
    public async Task Follow_FileTruncatedAndWrittenAgain_SaysSoAndExitsThreeAndNothingIsDoubled()
    {
        await using var server = await InProcessServer.StartAsync(_data.Path);
        var live = new GrowingEventFile(_staging.Path, Path.Combine(_logs.Path, "run"), "train/loss", 0, 1000);
        live.AppendUpTo(live.Frames[600].End);
        using var follower = FollowerProcess.Start(_logs.Path, server.Address, "cut");
        await WaitForAsync("cut", "run", "train/loss", 600);

        // Cut back to record 300, then written on: the follower cannot tell what the new bytes are.
        using (var stream = new FileStream(live.TargetPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(live.Frames[300].End);
        }

        await Eventually.HoldsAsync(() => follower.Output.Contains("was truncated from", StringComparison.Ordinal), "the follower saw the cut");
        using (var stream = new FileStream(live.TargetPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.Write(live.Bytes.AsSpan(live.Frames[300].End, live.Frames[800].End - live.Frames[300].End));
        }

        var stopped = await follower.StopAsync();
        Assert.True(stopped.ExitCode == 3, stopped.Output + stopped.Error);
        Assert.Contains("TRUNCATED, not followed (the file was truncated from", stopped.Output, StringComparison.Ordinal);
        Assert.Contains("1 followed files were truncated while followed", stopped.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("0 of 1 files not fully acknowledged", stopped.Output, StringComparison.Ordinal);
        await server.StopAsync();
        var held = IndependentEvents.Scalars(_data.Path, "cut", "run");
        Assert.Equal(Enumerable.Range(0, 600).Select(i => (long)i), held.Select(p => p.Step).Order()); // what was read, once
    }

    private async Task WaitForAsync(string project, string run, string tag, int count) =>
        await Eventually.HoldsAsync(() => IndependentEvents.Scalars(_data.Path, project, run).Count(p => p.Tag == tag) >= count, $"{project}/{run} holds {count} points of {tag}");

    private long[] Steps(string project, string run, string tag) =>
        IndependentEvents.Scalars(_data.Path, project, run).Where(p => p.Tag == tag).Select(p => p.Step).Order().ToArray();

    private void AssertExactlyOnce(GrowingEventFile source, string project, string run)
    {
        var held = IndependentEvents.Scalars(_data.Path, project, run).Where(p => p.Tag == source.Tag).OrderBy(p => p.Step).ToArray();
        Assert.Equal(source.Points.Select(p => (p.Step, p.Value)), held.Select(p => (p.Step, p.Value)));
    }

    private List<EventReadError> Errors(string project, string run)
    {
        var errors = new List<EventReadError>();
        foreach (string file in EventFiles.Files(_data.Path, project, run))
        {
            _ = RunReader.ReadFile(file, new EventDecoder(), errors).Count();
        }

        return errors;
    }
}
