using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Protocol.V1;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A worker that keeps every batch until it is acked and, on each connection, sends only those above the
/// service's last sequence: the client side of the resume contract, as the .NET and Python clients implement it.
/// </summary>
internal sealed class ResumingWriter
{
    private readonly string _project;
    private readonly string _run;
    private readonly string _worker;
    private readonly string _streamId;
    private readonly IReadOnlyList<PointBatch> _batches;

    public ResumingWriter(string project, string run, string worker, string streamId, int batches, int pointsPerBatch)
        : this(project, run, worker, streamId, Enumerable.Range(1, batches).Select(seq => Batches.Numbered((ulong)seq, pointsPerBatch)).ToArray(), pointsPerBatch)
    {
    }

    /// <summary>A writer of given batches (sequences 1, 2, … each of <paramref name="pointsPerBatch"/> points, steps numbered as <see cref="Batches.Numbered"/> does).</summary>
    public ResumingWriter(string project, string run, string worker, string streamId, IReadOnlyList<PointBatch> batches, int pointsPerBatch)
    {
        (_project, _run, _worker, _streamId) = (project, run, worker, streamId);
        _batches = batches;
        PointsPerBatch = pointsPerBatch;
    }

    public int PointsPerBatch { get; }

    public int BatchCount => _batches.Count;

    /// <summary>The highest sequence the service has acked (on a connection, or in its answer to 'open').</summary>
    public ulong Acked { get; private set; }

    /// <summary>Every status a connection ended with.</summary>
    public List<StatusCode> Failures { get; } = [];

    public bool Done => Acked >= (ulong)_batches.Count;

    /// <summary>One connection: open, send what the service lacks, wait for its acks. Returns when all is acked or the call ends.</summary>
    public async Task RunOnceAsync(GrpcChannel channel, Action<ulong>? onAck = null, CancellationToken cancellationToken = default)
    {
        IngestStream stream;
        try
        {
            stream = await IngestStream.OpenAsync(channel, _project, _run, _worker, _streamId);
        }
        catch (RpcException ex)
        {
            Failures.Add(ex.StatusCode);
            return;
        }

        await using (stream)
        {
            // What the service holds is acked: a resume may never send it again.
            Assert.True(stream.Opened.LastSequence >= Acked, $"the service forgot acked batches: holds {stream.Opened.LastSequence}, acked {Acked}");
            Acked = stream.Opened.LastSequence;
            try
            {
                foreach (var batch in _batches.Where(b => b.Sequence > Acked))
                {
                    await stream.SendAsync(batch);
                    Note(stream, onAck);
                }

                while (!Done && await stream.WaitAckAsync(Acked + 1, TimeSpan.FromSeconds(30)))
                {
                    Note(stream, onAck);
                }

                Note(stream, onAck);
                if (Done)
                {
                    await stream.CompleteAsync();
                }
            }
            catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or OperationCanceledException)
            {
            }

            Note(stream, onAck);
            if (await stream.WaitForEndAsync() is { } failure)
            {
                Failures.Add(failure.StatusCode);
            }
        }
    }

    /// <summary>Every step this writer's batches hold, in order: what the service must hold once, when all is acked.</summary>
    public IEnumerable<long> AllSteps() => Enumerable.Range(0, _batches.Count * PointsPerBatch).Select(i => (long)i);

    private void Note(IngestStream stream, Action<ulong>? onAck)
    {
        if (stream.Acked > Acked)
        {
            Acked = stream.Acked;
            onAck?.Invoke(Acked);
        }
    }
}
