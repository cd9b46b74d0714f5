using TbBridge.Protocol.V1;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>Builds protocol batches from plain points.</summary>
internal static class Batches
{
    public static PointBatch Scalars(ulong sequence, IReadOnlyList<string> tags, IEnumerable<(int Tag, long Step, double Value, double WallTime)> points)
    {
        var batch = new PointBatch { Sequence = sequence, Scalars = new ScalarColumns() };
        batch.Tags.Add(tags);
        foreach (var (tag, step, value, wallTime) in points)
        {
            batch.Scalars.TagIndex.Add((uint)tag);
            batch.Scalars.Step.Add(step);
            batch.Scalars.Value.Add(value);
            batch.Scalars.WallTime.Add(wallTime);
        }

        return batch;
    }

    /// <summary>
    /// A deterministic batch: <paramref name="count"/> points over <paramref name="tagCount"/> tags, steps
    /// numbered from <c>(sequence - 1) * count</c> so every (tag, step) of a stream is unique.
    /// </summary>
    public static PointBatch Numbered(ulong sequence, int count, int tagCount = 4)
    {
        var tags = Enumerable.Range(0, tagCount).Select(i => $"metric/{i}").ToArray();
        long first = (long)(sequence - 1) * count;
        return Scalars(sequence, tags, Enumerable.Range(0, count).Select(i => (i % tagCount, first + i, (double)(first + i), 1_700_000_000.5 + first + i)));
    }

    public static IngestRequest Open(string project, string run, string worker, string streamId) =>
        new() { Open = new OpenStream { Project = project, Run = run, Worker = worker, Host = "test-host", StreamId = streamId } };

    public static IngestRequest Request(PointBatch batch) => new() { Batch = batch };
}
