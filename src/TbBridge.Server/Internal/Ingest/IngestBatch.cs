namespace TbBridge.Server.Internal.Ingest;

/// <summary>One validated batch of points, in the engine's own terms (never a generated message).</summary>
internal sealed class IngestBatch
{
    public IngestBatch(ulong sequence, string[] tags, ScalarColumns scalars, IReadOnlyList<HistogramPoint> histograms, IReadOnlyList<TextPoint> texts, IReadOnlyList<HparamsPoint> hparams)
    {
        Sequence = sequence;
        Tags = tags;
        Scalars = scalars;
        Histograms = histograms;
        Texts = texts;
        Hparams = hparams;
    }

    public ulong Sequence { get; }

    /// <summary>This batch's tag table; every point names its tag by index into it.</summary>
    public string[] Tags { get; }

    public ScalarColumns Scalars { get; }

    public IReadOnlyList<HistogramPoint> Histograms { get; }

    public IReadOnlyList<TextPoint> Texts { get; }

    public IReadOnlyList<HparamsPoint> Hparams { get; }

    public int PointCount => Scalars.Count + Histograms.Count + Texts.Count + Hparams.Count;

    /// <summary>The tags that carry at least one point of this batch (a tag table may name more).</summary>
    public IEnumerable<string> TagsWithPoints()
    {
        var used = new bool[Tags.Length];
        foreach (int index in Scalars.TagIndex)
        {
            used[index] = true;
        }

        foreach (var h in Histograms)
        {
            used[h.TagIndex] = true;
        }

        foreach (var t in Texts)
        {
            used[t.TagIndex] = true;
        }

        for (int i = 0; i < used.Length; i++)
        {
            if (used[i])
            {
                yield return Tags[i];
            }
        }
    }
}
