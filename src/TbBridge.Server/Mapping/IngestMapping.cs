using TbBridge.Events;
using TbBridge.Protocol.V1;
using TbBridge.Server.Internal;
using TbBridge.Server.Internal.Ingest;
using TbBridge.Server.Internal.Security;
using HistogramPoint = TbBridge.Server.Internal.Ingest.HistogramPoint;
using HparamsPoint = TbBridge.Server.Internal.Ingest.HparamsPoint;
using TextPoint = TbBridge.Server.Internal.Ingest.TextPoint;

namespace TbBridge.Server.Mapping;

/// <summary>Generated ingest messages to and from the engine's types, validating as it goes.</summary>
internal static class IngestMapping
{
    /// <summary>The stream identity, or a <see cref="StreamRejectedException"/> naming the first bad field.</summary>
    public static StreamIdentity ToIdentity(OpenStream open)
    {
        var problem = NameRules.CheckProject(open.Project)
            ?? NameRules.CheckRun(open.Run)
            ?? NameRules.CheckWorker(open.Worker)
            ?? NameRules.CheckHost(open.Host)
            ?? NameRules.CheckStreamId(open.StreamId);
        return problem is null
            ? new StreamIdentity(open.Project, open.Run, open.Worker, open.Host, open.StreamId)
            : throw new StreamRejectedException(StreamRejection.InvalidName, problem);
    }

    /// <summary>The batch in column arrays, after checking sequence, tag table, indexes and column lengths.</summary>
    public static IngestBatch ToBatch(PointBatch batch, int maxTags)
    {
        if (batch.Sequence == 0)
        {
            throw Invalid("sequence must be at least 1.");
        }

        int tagCount = batch.Tags.Count;
        if (tagCount > maxTags)
        {
            throw Invalid($"the batch names {tagCount} tags; at most {maxTags} are allowed.");
        }

        var tags = new string[tagCount];
        for (int i = 0; i < tagCount; i++)
        {
            tags[i] = batch.Tags[i];
            if (NameRules.CheckClientTag(tags[i]) is { } problem)
            {
                throw Invalid($"tags[{i}]: {problem}");
            }
        }

        var scalars = ToScalars(batch.Scalars, tagCount);
        var histograms = new HistogramPoint[batch.Histograms.Count];
        for (int i = 0; i < histograms.Length; i++)
        {
            var h = batch.Histograms[i];
            CheckTagIndex(h.TagIndex, tagCount, "histograms", i);
            if (h.BucketLimit.Count != h.Bucket.Count)
            {
                throw Invalid($"histograms[{i}] has {h.BucketLimit.Count} bucket limits but {h.Bucket.Count} bucket counts.");
            }

            var histogram = new HistogramValue(h.Min, h.Max, h.Num, h.Sum, h.SumSquares, [.. h.BucketLimit], [.. h.Bucket]);
            histograms[i] = new HistogramPoint((int)h.TagIndex, h.Step, h.WallTime, histogram);
        }

        var texts = new TextPoint[batch.Texts.Count];
        for (int i = 0; i < texts.Length; i++)
        {
            var t = batch.Texts[i];
            CheckTagIndex(t.TagIndex, tagCount, "texts", i);
            texts[i] = new TextPoint((int)t.TagIndex, t.Step, t.WallTime, t.Text);
        }

        var hparams = new HparamsPoint[batch.Hparams.Count];
        for (int i = 0; i < hparams.Length; i++)
        {
            hparams[i] = ToHparams(batch.Hparams[i], i);
        }

        return new IngestBatch(batch.Sequence, tags, scalars, histograms, texts, hparams);
    }

    private static HparamsPoint ToHparams(Protocol.V1.HparamsPoint point, int i)
    {
        var values = new List<KeyValuePair<string, HparamValue>>(point.Hparams.Count);
        foreach (var h in point.Hparams)
        {
            if (NameRules.CheckTag(h.Name) is { } problem)
            {
                throw Invalid($"hparams[{i}]: hparam name: {problem}");
            }

            HparamValue value = h.ValueCase switch
            {
                Hparam.ValueOneofCase.Number => h.Number,
                Hparam.ValueOneofCase.Text => h.Text,
                Hparam.ValueOneofCase.Flag => h.Flag,
                _ => throw Invalid($"hparams[{i}]: hparam '{h.Name}' has no value."),
            };
            values.Add(new(h.Name, value));
        }

        foreach (string metric in point.MetricTags)
        {
            if (NameRules.CheckTag(metric) is { } problem)
            {
                throw Invalid($"hparams[{i}]: metric tag: {problem}");
            }
        }

        return new HparamsPoint(point.Step, point.WallTime, new HparamsData(values, point.MetricTags));
    }

    private static Internal.Ingest.ScalarColumns ToScalars(Protocol.V1.ScalarColumns? columns, int tagCount)
    {
        if (columns is null || columns.TagIndex.Count == 0 && columns.Step.Count == 0 && columns.Value.Count == 0 && columns.WallTime.Count == 0)
        {
            return Internal.Ingest.ScalarColumns.Empty;
        }

        int count = columns.TagIndex.Count;
        if (columns.Step.Count != count || columns.Value.Count != count || columns.WallTime.Count != count)
        {
            throw Invalid($"scalar columns differ in length: {count} tag indexes, {columns.Step.Count} steps, {columns.Value.Count} values, {columns.WallTime.Count} wall times.");
        }

        var tagIndex = new int[count];
        for (int i = 0; i < count; i++)
        {
            uint index = columns.TagIndex[i];
            if (index >= (uint)tagCount)
            {
                throw Invalid($"scalars.tag_index[{i}] is {index} but the batch has {tagCount} tags.");
            }

            tagIndex[i] = (int)index;
        }

        var steps = new long[count];
        columns.Step.CopyTo(steps, 0);
        var values = new double[count];
        columns.Value.CopyTo(values, 0);
        var wallTimes = new double[count];
        columns.WallTime.CopyTo(wallTimes, 0);
        return new Internal.Ingest.ScalarColumns(tagIndex, steps, values, wallTimes);
    }

    private static void CheckTagIndex(uint index, int tagCount, string field, int i)
    {
        if (index >= (uint)tagCount)
        {
            throw Invalid($"{field}[{i}].tag_index is {index} but the batch has {tagCount} tags.");
        }
    }

    private static StreamRejectedException Invalid(string message) => new(StreamRejection.InvalidBatch, message);
}
