using Grpc.Core;
using TbBridge.Server.Tests.Infrastructure;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>Stream ids are the project's own: one team's key can do nothing to another team's streams, and learns nothing of them.</summary>
public sealed class IsolationTests : IDisposable
{
    private const string AlphaKey = "alpha-key-0123456789abcdef";
    private const string BetaKey = "beta-key-0123456789abcdefg";
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ingest_OtherProjectsKeyWithTheSameStreamId_OpensItsOwnStreamAndAlphasGoesOn()
    {
        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            "--TbBridge:Anonymous=None",
            "--TbBridge:ApiKeys:0:Name=alpha-team",
            $"--TbBridge:ApiKeys:0:Key={AlphaKey}",
            "--TbBridge:ApiKeys:0:Write:0=alpha",
            "--TbBridge:ApiKeys:1:Name=beta-team",
            $"--TbBridge:ApiKeys:1:Key={BetaKey}",
            "--TbBridge:ApiKeys:1:Write:0=beta");

        await using var alpha = await IngestStream.OpenAsync(server.Channel, "alpha", "secret-run", "rank0", "job-1", AlphaKey);
        await alpha.SendAsync(Batches.Numbered(1, 100));
        Assert.True(await alpha.WaitAckAsync(1));

        // Beta cannot touch alpha's project, and the refusal says nothing of what runs there.
        var intruder = await Assert.ThrowsAsync<RpcException>(() => IngestStream.OpenAsync(server.Channel, "alpha", "x", "y", "job-1", BetaKey, retryBusy: false));
        Assert.Equal(StatusCode.PermissionDenied, intruder.StatusCode);
        Assert.Equal("'beta-team' may not write project 'alpha'.", intruder.Status.Detail);

        // The same stream id in beta's own project is beta's own stream: opened, written, and alpha's untouched.
        await using (var beta = await IngestStream.OpenAsync(server.Channel, "beta", "run", "rank0", "job-1", BetaKey, retryBusy: false))
        {
            Assert.Equal(0UL, beta.Opened.LastSequence);
            Assert.False(beta.Opened.Resumed);
            await beta.SendAsync(Batches.Numbered(1, 30));
            Assert.True(await beta.WaitAckAsync(1));
            await beta.CompleteAsync();
            Assert.Null(beta.Failure);
        }

        for (ulong seq = 2; seq <= 4; seq++)
        {
            await alpha.SendAsync(Batches.Numbered(seq, 100));
        }

        Assert.True(await alpha.WaitAckAsync(4));
        await alpha.CompleteAsync();
        Assert.Null(alpha.Failure);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), EventFiles.Scalars(_data.Path, "alpha", "secret-run").Select(s => s.Step).Order());
        Assert.Equal(30, EventFiles.Scalars(_data.Path, "beta", "run").Count);
    }

    [Fact]
    public async Task Restart_StatesOfAnOlderServiceKeyedByStreamIdAlone_AreKeptAndResumeInTheirProject()
    {
        // A database written before stream ids were scoped: stream_id alone was the key.
        await using (var server = await InProcessServer.StartAsync(_data.Path))
        {
            await using var stream = await IngestStream.OpenAsync(server.Channel, "p", "r", "w0", "old-id");
            await stream.SendAsync(Batches.Numbered(1, 10));
            Assert.True(await stream.WaitAckAsync(1));
            await stream.CompleteAsync();
        }

        string db = Path.Combine(_data.Path, "tbbridge.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE old (stream_id TEXT PRIMARY KEY, project TEXT NOT NULL, run TEXT NOT NULL, worker TEXT NOT NULL,
                    host TEXT NOT NULL, last_sequence INTEGER NOT NULL, file TEXT, file_offset INTEGER NOT NULL);
                INSERT INTO old SELECT stream_id, project, run, worker, host, last_sequence, file, file_offset FROM streams;
                DROP TABLE streams;
                ALTER TABLE old RENAME TO streams;
                """;
            command.ExecuteNonQuery();
        }

        await using (var upgraded = await InProcessServer.StartAsync(_data.Path))
        {
            await using var resumed = await IngestStream.OpenAsync(upgraded.Channel, "p", "r", "w0", "old-id");
            Assert.Equal(1UL, resumed.Opened.LastSequence);
            await resumed.SendAsync(Batches.Numbered(2, 10));
            Assert.True(await resumed.WaitAckAsync(2));
            await resumed.CompleteAsync();

            await using var elsewhere = await IngestStream.OpenAsync(upgraded.Channel, "q", "r", "w0", "old-id");
            Assert.Equal(0UL, elsewhere.Opened.LastSequence);
            await elsewhere.CompleteAsync();
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), EventFiles.Scalars(_data.Path, "p", "r").Select(s => s.Step).Order());
    }
}
