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

    private BatchSummary? _summary;

    public ulong Sequence { get; }

    /// <summary>This batch's tag table; every point names its tag by index into it.</summary>
    public string[] Tags { get; }

    public ScalarColumns Scalars { get; }

    public IReadOnlyList<HistogramPoint> Histograms { get; }

    public IReadOnlyList<TextPoint> Texts { get; }

    public IReadOnlyList<HparamsPoint> Hparams { get; }

    public int PointCount => Scalars.Count + Histograms.Count + Texts.Count + Hparams.Count;

    /// <summary>Its points as a whole (steps, newest point, tags with points), found in one pass the first time it is asked for.</summary>
    public BatchSummary Summary => _summary ??= BatchSummary.Of(this);
}
